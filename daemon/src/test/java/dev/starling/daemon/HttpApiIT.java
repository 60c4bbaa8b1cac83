package dev.starling.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.starling.daemon.StarlingProcess.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API of one node started from the built jar, configured through --config (YAML) with an
 * API token: every endpoint, its errors, and that no bad request changes anything.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpApiIT {

    static final String TOKEN = "s3cret-token-for-tests";

    @TempDir
    static Path tmp;

    static StarlingProcess node;

    @BeforeAll
    static void start() throws Exception {
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Path config = tmp.resolve("node.yaml");
        // http-port 1 loses to the --http-port 0 flag; the token file comes from the file only
        Files.writeString(config, "api-token-file: " + tokenFile + "\nhttp-port: 1\ncluster: api-test\n");
        node = StarlingProcess.startNode(tmp.resolve("data"), "api", "--config", config.toString());
        node.token = TOKEN;
        assertThat(node.httpPort).isNotEqualTo(1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            assertThat(node.terminate()).as("exit code after SIGTERM; stderr:\n" + node.stderrText()).isZero();
        }
    }

    @Test
    void shouldRequireTheTokenEverywhereButHealthAndMetrics() throws Exception {
        node.token = null;
        try {
            for (String path : List.of("/v1/members", "/v1/digest", "/v1/maps/x", "/v1/changes", "/v1/nowhere")) {
                Response r = node.get(path);
                assertThat(r.status()).as(path).isEqualTo(401);
                assertThat(r.errorCode()).isEqualTo("unauthorized");
            }
            assertThat(node.put("/v1/maps/tok/k", "1").status()).isEqualTo(401);
            node.token = "wrong";
            assertThat(node.get("/v1/digest").status()).isEqualTo(401);
            node.token = null;
            assertThat(node.get("/v1/health").status()).isEqualTo(200);
            assertThat(node.get("/metrics").status()).isEqualTo(200);
        } finally {
            node.token = TOKEN;
        }
        assertThat(node.get("/v1/maps/tok").status()).as("the refused write wrote nothing").isEqualTo(404);
    }

    @Test
    void shouldServeHealthMembersAndDigest() throws Exception {
        JsonNode health = node.get("/v1/health").json();
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("replica").asText()).isEqualTo(node.replica);
        assertThat(health.path("name").asText()).isEqualTo("api");

        JsonNode members = node.get("/v1/members").json();
        assertThat(members.path("self").path("replica").asText()).isEqualTo(node.replica);
        assertThat(members.path("self").path("status").asText()).isEqualTo("alive");
        assertThat(members.path("self").path("gossip").asText()).isEqualTo("127.0.0.1:" + node.gossipPort);
        assertThat(members.path("members")).hasSize(1);

        JsonNode digest = node.get("/v1/digest").json();
        assertThat(digest.path("root").asText()).matches("[0-9a-f]+");
        assertThat(digest.path("objects").isIntegralNumber()).isTrue();
    }

    @Test
    void shouldRoundTripMapsSetsCountersAndRegisters() throws Exception {
        Response put = node.put("/v1/maps/planner/temperature", " 0.7 ");
        assertThat(put.status()).isEqualTo(200);
        String hlc = put.json().path("hlc").asText();
        assertThat(put.json().path("acked").asInt()).isZero();
        assertThat(node.put("/v1/maps/planner/prompt", "{\"b\": [1, 2], \"a\": \"x\"}").status()).isEqualTo(200);

        JsonNode entry = node.get("/v1/maps/planner/temperature").json();
        assertThat(entry.path("key").asText()).isEqualTo("temperature");
        assertThat(entry.path("value").asDouble()).isEqualTo(0.7);
        assertThat(entry.path("hlc").asText()).isEqualTo(hlc);
        assertThat(entry.path("replica").asText()).isEqualTo(node.replica);
        assertThat(node.get("/v1/maps/planner").body())
            .isEqualTo("{\"name\":\"planner\",\"entries\":{\"prompt\":{\"a\":\"x\",\"b\":[1,2]},\"temperature\":0.7}}");

        String odd = "a key/with spaces+ünïcode?&#";
        String enc = URLEncoder.encode(odd, StandardCharsets.UTF_8).replace("+", "%20");
        assertThat(node.put("/v1/maps/planner/" + enc, "true").status()).isEqualTo(200);
        assertThat(node.get("/v1/maps/planner/" + enc).json().path("key").asText()).isEqualTo(odd);

        Response del = node.delete("/v1/maps/planner/temperature");
        assertThat(del.status()).isEqualTo(200);
        assertThat(del.json().path("hlc").asText()).isGreaterThan(hlc);
        assertThat(node.get("/v1/maps/planner/temperature").status()).isEqualTo(404);
        assertThat(node.get("/v1/maps/planner").json().path("entries").has("temperature")).isFalse();

        assertThat(node.post("/v1/sets/tasks", "{\"add\":[\"b\",\"a\",\"c\"]}").status()).isEqualTo(200);
        assertThat(node.post("/v1/sets/tasks", "{\"remove\":[\"c\"],\"add\":[\"d\"]}").status()).isEqualTo(200);
        assertThat(node.get("/v1/sets/tasks").body()).isEqualTo("{\"name\":\"tasks\",\"elements\":[\"a\",\"b\",\"d\"]}");

        assertThat(node.post("/v1/counters/frames", "{\"delta\":40}").status()).isEqualTo(200);
        assertThat(node.post("/v1/counters/frames", "{\"delta\":-2}").status()).isEqualTo(200);
        assertThat(node.get("/v1/counters/frames").body()).isEqualTo("{\"name\":\"frames\",\"value\":38}");

        assertThat(node.put("/v1/registers/model", "\"m@1\"").status()).isEqualTo(200);
        assertThat(node.put("/v1/registers/model?resolver=lww", "\"m@2\"").status()).isEqualTo(200);
        JsonNode reg = node.get("/v1/registers/model").json();
        assertThat(reg.path("value").asText()).isEqualTo("m@2");
        assertThat(reg.path("siblings")).hasSize(1);
        assertThat(node.put("/v1/registers/conf?resolver=average", "0.5").status()).isEqualTo(200);
        assertThat(node.get("/v1/registers/conf").json().path("value").asDouble()).isEqualTo(0.5);
        assertThat(node.put("/v1/registers/labels?resolver=union", "[\"x\",\"y\"]").status()).isEqualTo(200);
        assertThat(node.get("/v1/registers/labels").json().path("value").toString()).isEqualTo("[\"x\",\"y\"]");
        assertThat(node.put("/v1/registers/all?resolver=siblings", "{\"v\":1}").status()).isEqualTo(200);
        assertThat(node.get("/v1/registers/all").json().path("siblings").toString()).isEqualTo("[{\"v\":1}]");
    }

    @Test
    void shouldAnswer200WhenTheAckLevelIsMetAnd202WhenNot() throws Exception {
        Response all = node.put("/v1/maps/acks/a?ack=all&timeout_ms=500", "1");
        assertThat(all.status()).as("no peer is alive, so all of them confirmed").isEqualTo(200);
        Response two = node.put("/v1/maps/acks/b?ack=2&timeout_ms=200", "2");
        assertThat(two.status()).isEqualTo(202);
        assertThat(two.json().path("acked").asInt()).isZero();
        assertThat(node.get("/v1/maps/acks/b").json().path("value").asInt()).as("kept though unconfirmed").isEqualTo(2);
    }

    @Test
    void shouldAnswer404ForWhatNeverExisted() throws Exception {
        for (String path : List.of("/v1/maps/never", "/v1/maps/never/k", "/v1/sets/never", "/v1/counters/never",
                "/v1/registers/never", "/v1/nothing", "/v1/collections/c", "/v1/admin/faults")) {
            Response r = node.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.errorCode()).as(path).isEqualTo("not_found");
        }
        assertThat(node.put("/v1/maps/exists/k", "1").status()).isEqualTo(200);
        assertThat(node.get("/v1/maps/exists/other").status()).isEqualTo(404);
    }

    @Test
    void shouldAnswer409WhenTheNameHoldsAnotherType() throws Exception {
        assertThat(node.post("/v1/counters/shared", "{\"delta\":1}").status()).isEqualTo(200);
        for (Response r : List.of(node.put("/v1/maps/shared/k", "1"), node.post("/v1/sets/shared", "{\"add\":[\"x\"]}"),
                node.put("/v1/registers/shared", "1"), node.get("/v1/maps/shared"), node.get("/v1/sets/shared"),
                node.get("/v1/registers/shared"))) {
            assertThat(r.status()).as(r.body()).isEqualTo(409);
            assertThat(r.errorCode()).isEqualTo("type_conflict");
        }
        assertThat(node.put("/v1/registers/avg?resolver=average", "1").status()).isEqualTo(200);
        assertThat(node.put("/v1/registers/avg?resolver=lww", "2").status()).isEqualTo(409);
        assertThat(node.get("/v1/counters/shared").json().path("value").asInt()).isEqualTo(1);
        assertThat(node.get("/v1/registers/avg").json().path("value").asDouble()).isEqualTo(1.0);
    }

    @Test
    void shouldRejectBadRequestsAndChangeNothing() throws Exception {
        assertThat(node.put("/v1/maps/keep/k", "\"v\"").status()).isEqualTo(200);
        String root = node.get("/v1/digest").json().path("root").asText();
        String tooLongKey = "k".repeat(1025);
        String fourByteKey = "\uD83D\uDE00".repeat(257); // 1,028 UTF-8 bytes
        List<Response> bad = List.of(
            node.put("/v1/maps/keep/k", "{not json"),
            node.put("/v1/maps/keep/k", ""),
            node.put("/v1/maps/keep/k", "1 2"),
            node.put("/v1/maps/keep/k", "{\"a\":1,\"a\":2}"),
            node.put("/v1/maps/bad%20name/k", "1"),
            node.get("/v1/maps/bad!name"),
            node.get("/v1/counters/" + "n".repeat(129)),
            node.put("/v1/maps/keep/" + tooLongKey, "1"),
            node.get("/v1/maps/keep/" + URLEncoder.encode(fourByteKey, StandardCharsets.UTF_8)),
            node.put("/v1/maps/keep/k?ack=some", "1"),
            node.put("/v1/maps/keep/k?ack=-1", "1"),
            node.put("/v1/maps/keep/k?timeout_ms=soon", "1"),
            node.post("/v1/counters/keepc", "{\"delta\":1.5}"),
            node.post("/v1/counters/keepc", "{\"delta\":\"1\"}"),
            node.post("/v1/counters/keepc", "{\"delta\":99999999999999999999}"),
            node.post("/v1/counters/keepc", "{\"delat\":1}"),
            node.post("/v1/counters/keepc", "[1]"),
            node.post("/v1/sets/keeps", "{\"add\":[1,2]}"),
            node.post("/v1/sets/keeps", "{\"add\":\"x\"}"),
            node.post("/v1/sets/keeps", "{\"add\":[\"" + tooLongKey + "\"]}"),
            node.post("/v1/sets/keeps", "{}"),
            node.put("/v1/registers/keepr?resolver=average", "\"text\""),
            node.put("/v1/registers/keepr?resolver=union", "1"),
            node.put("/v1/registers/keepr?resolver=mean", "1"),
            node.get("/v1/changes?limit=0"),
            node.get("/v1/changes?limit=1001"),
            node.get("/v1/changes?since=x"));
        for (Response r : bad) {
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("bad_request");
            assertThat(r.json().path("error").path("message").asText()).isNotEmpty();
        }
        Response big = node.put("/v1/maps/keep/big", "\"" + "x".repeat(1 << 20) + "\"");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.errorCode()).isEqualTo("too_large");

        assertThat(node.get("/v1/health").status()).isEqualTo(200);
        assertThat(node.get("/v1/digest").json().path("root").asText()).as("nothing changed").isEqualTo(root);
        assertThat(node.get("/v1/maps/keep").body()).isEqualTo("{\"name\":\"keep\",\"entries\":{\"k\":\"v\"}}");
        for (String path : List.of("/v1/counters/keepc", "/v1/sets/keeps", "/v1/registers/keepr")) {
            assertThat(node.get(path).status()).as(path).isEqualTo(404);
        }
    }

    @Test
    void shouldPageTheChangeFeed() throws Exception {
        JsonNode first = node.get("/v1/changes?limit=1000").json();
        String next = first.path("next").asText();
        assertThat(node.put("/v1/maps/feed/k1", "1").status()).isEqualTo(200);
        assertThat(node.post("/v1/counters/feedc", "{\"delta\":3}").status()).isEqualTo(200);
        assertThat(node.post("/v1/sets/feeds", "{\"add\":[\"e\"]}").status()).isEqualTo(200);

        JsonNode page = node.get("/v1/changes?since=" + next + "&limit=2").json();
        assertThat(page.path("changes")).hasSize(2);
        JsonNode put = page.path("changes").get(0);
        assertThat(put.path("object").asText()).isEqualTo("feed");
        assertThat(put.path("type").asText()).isEqualTo("map");
        assertThat(put.path("key").asText()).isEqualTo("k1");
        assertThat(put.path("op").asText()).isEqualTo("put");
        assertThat(put.path("origin").asText()).isEqualTo(node.replica);
        assertThat(put.path("hlc").asText()).hasSize(34);
        JsonNode counter = page.path("changes").get(1);
        assertThat(counter.path("type").asText()).isEqualTo("counter");
        assertThat(counter.has("key")).isFalse();

        String after = page.path("next").asText();
        JsonNode rest = node.get("/v1/changes?since=" + after).json();
        assertThat(rest.path("changes")).hasSize(1);
        assertThat(rest.path("changes").get(0).path("key").asText()).isEqualTo("e");
        String end = rest.path("next").asText();
        JsonNode none = node.get("/v1/changes?since=" + end).json();
        assertThat(none.path("changes")).isEmpty();
        assertThat(none.path("next").asText()).isEqualTo(end);
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrderAndMalformedOnesWith400() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.httpPort)) {
            socket.setSoTimeout(10_000);
            String auth = "Authorization: Bearer " + TOKEN + "\r\n";
            String slowWrite = "PUT /v1/maps/pipe/k?ack=1&timeout_ms=300 HTTP/1.1\r\nHost: x\r\n" + auth
                + "Content-Length: 1\r\n\r\n7";
            String read = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
            String badEscape = "GET /v1/maps/pipe/%zz HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
            socket.getOutputStream().write((slowWrite + read + badEscape).getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 202").contains("\"acked\":0");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("\"status\":\"ok\"");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 400").contains("bad_request");

            socket.getOutputStream().write("NOT-HTTP\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            assertThat(readResponse(in)).startsWith("HTTP/1.1 400");
        }
        assertThat(node.get("/v1/maps/pipe/k").json().path("value").asInt()).isEqualTo(7);
    }

    /** One response with a Content-Length body, read byte by byte. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void shouldExportPrometheusMetrics() throws Exception {
        node.get("/v1/health");
        String text = node.get("/metrics").body();
        assertThat(text).contains("starling_members{state=\"alive\"} 1.0", "starling_deltas_sent_total",
            "starling_deltas_received_total", "starling_antientropy_rounds_total", "starling_antientropy_bytes_total",
            "starling_store_size_bytes", "starling_http_request_seconds_bucket{method=\"GET\",route=\"/v1/health\"");
    }
}
