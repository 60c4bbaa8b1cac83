package dev.starling.daemon.http;

import dev.starling.node.Node;
import dev.starling.node.replication.ObjectKey;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Matches a method and a raw path against route templates. Template segments are literals,
 * {@code {name}} (an object name: {@code [A-Za-z0-9._-]{1,128}}, else 400) and a last
 * {@code {key*}} (the rest of the path, percent-decoded, at most {@link Node#MAX_KEY_BYTES} UTF-8
 * bytes, else 400). A path that matches no template is a 404; one that matches with another method
 * a 405.
 */
final class Router {

    /** An endpoint; it may complete its future on any thread. */
    @FunctionalInterface
    interface Endpoint {
        CompletableFuture<Reply> handle(Request request) throws Exception;
    }

    /** The endpoint and the request to give it. */
    record Match(Endpoint endpoint, Request request) {
    }

    private record Route(HttpMethod method, String template, String[] segments, Endpoint endpoint) {
    }

    private final List<Route> routes = new ArrayList<>();

    Router add(HttpMethod method, String template, Endpoint endpoint) {
        routes.add(new Route(method, template, template.substring(1).split("/"), endpoint));
        return this;
    }

    /** @throws ApiException 404, 405 or 400 (bad name or key) */
    Match route(HttpMethod method, String rawPath, Map<String, List<String>> query, byte[] body, Executor executor) {
        return route(method, rawPath, query, body, executor, EmptyHttpHeaders.INSTANCE);
    }

    /** @throws ApiException 404, 405 or 400 (bad name or key) */
    Match route(HttpMethod method, String rawPath, Map<String, List<String>> query, byte[] body, Executor executor,
                HttpHeaders headers) {
        String[] path = rawPath.length() <= 1 ? new String[0] : rawPath.substring(1).split("/", -1);
        boolean pathMatched = false;
        for (Route r : routes) {
            if (!matches(r.segments, path)) {
                continue;
            }
            pathMatched = true;
            if (!r.method.equals(method)) {
                continue;
            }
            return new Match(r.endpoint, new Request(method, r.template, params(r.segments, path), query, body, executor,
                headers));
        }
        if (pathMatched) {
            throw new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                method + " is not allowed on " + rawPath);
        }
        throw ApiException.notFound("no such endpoint: " + rawPath);
    }

    private static boolean matches(String[] template, String[] path) {
        int n = template.length;
        boolean greedy = n > 0 && template[n - 1].endsWith("*}");
        if (greedy ? path.length < n : path.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            String t = template[i];
            if (t.startsWith("{")) {
                continue;
            }
            if (!t.equals(path[i])) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> params(String[] template, String[] path) {
        Map<String, String> out = new HashMap<>(4);
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (!t.startsWith("{")) {
                continue;
            }
            if (t.endsWith("*}")) {
                StringBuilder rest = new StringBuilder();
                for (int j = i; j < path.length; j++) {
                    if (j > i) {
                        rest.append('/');
                    }
                    rest.append(PathCodec.decodeSegment(path[j]));
                }
                String key = rest.toString();
                checkKey(key);
                out.put(t.substring(1, t.length() - 2), key);
            } else {
                String name = PathCodec.decodeSegment(path[i]);
                if (!ObjectKey.isValidName(name)) {
                    throw ApiException.badRequest("invalid name \"" + abbreviate(name)
                        + "\": names match [A-Za-z0-9._-]{1,128}");
                }
                out.put(t.substring(1, t.length() - 1), name);
            }
        }
        return out;
    }

    static void checkKey(String key) {
        if (key.isEmpty()) {
            throw ApiException.badRequest("a key must not be empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > Node.MAX_KEY_BYTES) {
            throw ApiException.badRequest("a key has at most " + Node.MAX_KEY_BYTES + " UTF-8 bytes");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
