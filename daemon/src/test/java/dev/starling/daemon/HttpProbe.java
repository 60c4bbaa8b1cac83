package dev.starling.daemon;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One HTTP request from a process of its own, for tests that must ask from inside a network
 * namespace: {@code HttpProbe METHOD URL [BODY]} prints the status, a space and the body.
 */
public final class HttpProbe {

    private HttpProbe() {
    }

    public static void main(String[] args) throws Exception {
        HttpRequest.BodyPublisher body = args.length > 2
            ? HttpRequest.BodyPublishers.ofString(args[2]) : HttpRequest.BodyPublishers.noBody();
        HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
            HttpRequest.newBuilder(URI.create(args[1])).timeout(Duration.ofSeconds(10)).method(args[0], body).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println(r.statusCode() + " " + r.body());
    }
}
