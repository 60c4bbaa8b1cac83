package dev.starling.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.starling.daemon.StarlingProcess.Response;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks of a node started from the built jar, delivered to a receiver in the test
 * (com.sun.net.httpserver): every matching change in cursor order with a valid signature; a receiver
 * failing with 500 gets the same batch again (same delivery id, same body) until it accepts it,
 * without loss or reordering; after a restart the webhook and its position are kept and nothing
 * acknowledged is sent again. The node has an API token: the webhook endpoints and the stream need it.
 */
class WebhooksIT {

    static final String SECRET = "hook-secret-\u00fc";

    @TempDir
    Path tmp;

    /** One POST as the receiver saw it. */
    record Delivery(String id, String signature, String body, int status) {
        List<JsonNode> changes() {
            List<JsonNode> out = new ArrayList<>();
            try {
                StarlingProcess.JSON.readTree(body).path("changes").forEach(out::add);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
            return out;
        }
    }

    /** Receives deliveries; answers 500 to the next {@link #failNext} of them, 200 to the rest. */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final List<Delivery> deliveries = new ArrayList<>();
        final AtomicInteger failNext = new AtomicInteger();

        Receiver() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/hook", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                int status = failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 200;
                synchronized (deliveries) {
                    deliveries.add(new Delivery(ex.getRequestHeaders().getFirst("X-Starling-Delivery"),
                        ex.getRequestHeaders().getFirst("X-Starling-Signature"),
                        new String(body, StandardCharsets.UTF_8), status));
                }
                ex.sendResponseHeaders(status, -1);
                ex.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        List<Delivery> all() {
            synchronized (deliveries) {
                return new ArrayList<>(deliveries);
            }
        }

        /** The keys of the accepted deliveries, in the order they came. */
        List<String> acceptedKeys() {
            List<String> keys = new ArrayList<>();
            for (Delivery d : all()) {
                if (d.status == 200) {
                    d.changes().forEach(c -> keys.add(c.path("key").asText()));
                }
            }
            return keys;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldDeliverInOrderSignedRetriedAndKeptAcrossARestart() throws Exception {
        Path data = tmp.resolve("n");
        try (Receiver receiver = new Receiver()) {
            Path tokenFile = tmp.resolve("token");
            Files.writeString(tokenFile, "hook-token\n");
            StarlingProcess node = StarlingProcess.startNode(data, "hooks", "--api-token-file", tokenFile.toString());
            List<String> expected = new ArrayList<>();
            String id;
            try {
                for (String path : List.of("/v1/webhooks", "/v1/webhooks/x", "/v1/changes/stream")) {
                    assertThat(node.get(path).status()).as(path).isEqualTo(401);
                }
                assertThat(node.post("/v1/webhooks", "{}").status()).isEqualTo(401);
                node.token = "hook-token";
                // a change before the webhook exists: not delivered (it starts after the newest change)
                assertThat(node.put("/v1/maps/hooked/before", "0").status()).isEqualTo(200);
                shouldRefuseBadRegistrations(node, receiver.url());

                Response created = node.post("/v1/webhooks",
                    "{\"url\":\"" + receiver.url() + "\",\"secret\":\"" + SECRET + "\",\"prefix\":\"hook\"}");
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                id = created.json().path("id").asText();
                JsonNode listed = node.get("/v1/webhooks").json().path("webhooks");
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).path("id").asText()).isEqualTo(id);
                assertThat(listed.get(0).path("url").asText()).isEqualTo(receiver.url());
                assertThat(listed.get(0).path("prefix").asText()).isEqualTo("hook");
                assertThat(listed.get(0).path("position").asText()).isEqualTo("1");
                assertThat(listed.get(0).has("secret")).isFalse();

                // every matching change, in order; the others are skipped
                for (int i = 0; i < 40; i++) {
                    String key = String.format("k%03d", i);
                    assertThat(node.put("/v1/maps/hooked/" + key, Integer.toString(i)).status()).isEqualTo(200);
                    assertThat(node.put("/v1/maps/other/" + key, "1").status()).isEqualTo(200);
                    expected.add(key);
                }
                MeshIT.await("40 changes delivered", () -> receiver.acceptedKeys().size() >= 40);
                assertThat(receiver.acceptedKeys()).containsExactlyElementsOf(expected);

                // the receiver fails for a while: the same batch comes again, then the rest, nothing lost
                receiver.failNext.set(3);
                for (int i = 40; i < 70; i++) {
                    String key = String.format("k%03d", i);
                    assertThat(node.put("/v1/maps/hooked/" + key, Integer.toString(i)).status()).isEqualTo(200);
                    expected.add(key);
                }
                MeshIT.await("70 changes delivered after 500s", () -> receiver.acceptedKeys().size() >= 70);
                assertThat(receiver.acceptedKeys()).containsExactlyElementsOf(expected);
                assertThat(receiver.all()).filteredOn(d -> d.status == 500).hasSize(3);
                MeshIT.await("position saved", () -> position(node).equals(lastCursor(receiver)));
                assertThat(node.terminate()).as(node.stderrText()).isZero();
            } finally {
                node.close();
            }

            // restart: the webhook and its position are kept, nothing acknowledged comes again
            int before = receiver.all().size();
            String acknowledged = lastCursor(receiver);
            StarlingProcess again = StarlingProcess.startNode(data, "hooks", "--api-token-file", tokenFile.toString());
            again.token = "hook-token";
            try {
                JsonNode listed = again.get("/v1/webhooks").json().path("webhooks");
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).path("id").asText()).isEqualTo(id);
                assertThat(listed.get(0).path("position").asText()).isEqualTo(acknowledged);
                for (int i = 70; i < 80; i++) {
                    String key = String.format("k%03d", i);
                    assertThat(again.put("/v1/maps/hooked/" + key, Integer.toString(i)).status()).isEqualTo(200);
                    expected.add(key);
                }
                MeshIT.await("80 changes delivered after the restart", () -> receiver.acceptedKeys().size() >= 80);
                assertThat(receiver.acceptedKeys()).containsExactlyElementsOf(expected);
                assertThat(receiver.all().get(before).changes().get(0).path("key").asText()).isEqualTo("k070");

                // since: a second webhook replays from the start, its prefix selecting "other"
                Response other = again.post("/v1/webhooks",
                    "{\"url\":\"" + receiver.url() + "\",\"secret\":\"s\",\"prefix\":\"oth\",\"since\":\"0\"}");
                assertThat(other.status()).as(other.body()).isEqualTo(201);
                String otherId = other.json().path("id").asText();
                MeshIT.await("the other webhook's 40 changes", () -> receiver.all().stream()
                    .filter(d -> d.id.startsWith(otherId + "-") && d.status == 200)
                    .mapToInt(d -> d.changes().size()).sum() == 40);

                assertThat(again.delete("/v1/webhooks/" + id).status()).isEqualTo(204);
                assertThat(again.delete("/v1/webhooks/" + id).status()).isEqualTo(404);
                assertThat(again.delete("/v1/webhooks/" + otherId).status()).isEqualTo(204);
                assertThat(again.get("/v1/webhooks").json().path("webhooks")).isEmpty();
                assertThat(again.terminate()).as(again.stderrText()).isZero();
            } finally {
                again.close();
            }

            // every attempt is signed; attempts with the same id carry the same body; ids never repeat otherwise
            Map<String, String> bodies = new HashMap<>();
            for (Delivery d : receiver.all()) {
                String secret = d.id.startsWith(id + "-") ? SECRET : "s";
                assertThat(d.signature).isEqualTo(sign(secret, d.body));
                String prev = bodies.putIfAbsent(d.id, d.body);
                assertThat(prev == null || prev.equals(d.body)).as("same id, same body: " + d.id).isTrue();
            }
            assertThat(Files.exists(data.resolve("webhooks.json"))).isTrue();
        }
    }

    private static void shouldRefuseBadRegistrations(StarlingProcess node, String url) throws Exception {
        for (String body : List.of(
            "{\"url\":\"ftp://example.com/x\",\"secret\":\"s\"}",
            "{\"url\":\"not a url\",\"secret\":\"s\"}",
            "{\"url\":\"" + url + "\",\"secret\":\"\"}",
            "{\"url\":\"" + url + "\"}",
            "{\"url\":\"" + url + "\",\"secret\":\"" + "x".repeat(300) + "\"}",
            "{\"url\":\"" + url + "\",\"secret\":\"s\",\"prefix\":\"a/b\"}",
            "{\"url\":\"" + url + "\",\"secret\":\"s\",\"since\":\"-1\"}",
            "{\"url\":\"" + url + "\",\"secret\":\"s\",\"color\":\"red\"}",
            "[]")) {
            Response r = node.post("/v1/webhooks", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("bad_request");
        }
        assertThat(node.delete("/v1/webhooks/nope").status()).isEqualTo(404);
        assertThat(node.get("/v1/webhooks").json().path("webhooks")).isEmpty();
    }

    private static String position(StarlingProcess node) {
        try {
            return node.get("/v1/webhooks").json().path("webhooks").get(0).path("position").asText();
        } catch (Exception e) {
            return "";
        }
    }

    /** The cursor of the last change the receiver accepted. */
    private static String lastCursor(Receiver receiver) {
        String last = "";
        for (Delivery d : receiver.all()) {
            if (d.status == 200) {
                List<JsonNode> c = d.changes();
                last = c.get(c.size() - 1).path("cursor").asText();
            }
        }
        return last;
    }

    static String sign(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        StringBuilder hex = new StringBuilder("sha256=");
        for (byte b : mac.doFinal(body.getBytes(StandardCharsets.UTF_8))) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}
