package dev.starling.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.daemon.StarlingProcess.Response;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Collections over the HTTP API of nodes started from the built jar: documents upserted by text
 * (encoded by the built-in model) and by vector, read, searched and deleted; every bad request a
 * 400 or 409 that changes nothing; a node without an encoder; a text upsert searchable on a peer.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class CollectionsIT {

    static final int DIMS = 384;

    @TempDir
    static Path tmp;

    static StarlingProcess node;

    @BeforeAll
    static void start() throws Exception {
        node = StarlingProcess.startNode(tmp.resolve("data"), "coll", "--cluster", "coll-test");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            assertThat(node.terminate()).as("exit code after SIGTERM; stderr:\n" + node.stderrText()).isZero();
            assertThat(node.stderrText()).contains("encoder model all-minilm-l6-v2-q@");
        }
    }

    @Test
    void shouldUpsertReadSearchAndDeleteDocumentsByText() throws Exception {
        Response put = node.put("/v1/collections/notes/docs/robot",
            "{\"text\":\"the robot arm picks parts from the conveyor belt\",\"metadata\":{\"line\":4,\"tags\":[\"a\"]}}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().path("hlc").asText()).hasSize(34);
        assertThat(put.json().path("acked").asInt()).isZero();
        assertThat(node.put("/v1/collections/notes/docs/dock",
            "{\"text\":\"a camera watches the loading dock for trucks\"}").status()).isEqualTo(200);
        assertThat(node.put("/v1/collections/notes/docs/" + "power%2Fout",
            "{\"text\":\"network switch in rack four lost power\"}").status()).isEqualTo(200);

        JsonNode doc = node.get("/v1/collections/notes/docs/robot").json();
        assertThat(doc.path("id").asText()).isEqualTo("robot");
        assertThat(doc.path("text").asText()).isEqualTo("the robot arm picks parts from the conveyor belt");
        assertThat(doc.path("metadata").toString()).isEqualTo("{\"line\":4,\"tags\":[\"a\"]}");
        assertThat(doc.path("model").asText()).matches("all-minilm-l6-v2-q@[0-9a-f]{16}");
        assertThat(doc.path("vector")).hasSize(DIMS);
        assertThat(norm(doc.path("vector"))).isCloseTo(1.0, within(1e-3));
        assertThat(doc.path("siblings")).hasSize(1);
        assertThat(doc.path("siblings").get(0).path("model").asText()).isEqualTo(doc.path("model").asText());
        assertThat(doc.path("siblings").get(0).path("dims").asInt()).isEqualTo(DIMS);
        assertThat(node.get("/v1/collections/notes/docs/power%2Fout").json().path("id").asText()).isEqualTo("power/out");

        awaitIndexed(node, "notes", 3);
        JsonNode summary = node.get("/v1/collections/notes").json();
        assertThat(summary.path("name").asText()).isEqualTo("notes");
        assertThat(summary.path("count").asInt()).isEqualTo(3);
        assertThat(summary.path("dims").asInt()).isEqualTo(DIMS);
        assertThat(summary.path("model").asText()).isEqualTo(doc.path("model").asText());

        JsonNode results = search(node, "notes", "{\"text\":\"which robot moves the parts\",\"k\":3}");
        assertThat(results).hasSize(3);
        assertThat(results.get(0).path("id").asText()).isEqualTo("robot");
        assertThat(results.get(0).path("text").asText()).startsWith("the robot arm");
        double previous = 1.0001;
        for (JsonNode r : results) {
            double score = r.path("score").asDouble();
            assertThat(score).isBetween(-1.0001, previous);
            previous = score;
        }
        JsonNode byVector = search(node, "notes", "{\"vector\":" + doc.path("vector") + ",\"k\":1}");
        assertThat(byVector).hasSize(1);
        assertThat(byVector.get(0).path("id").asText()).isEqualTo("robot");
        assertThat(byVector.get(0).path("score").asDouble()).isCloseTo(1.0, within(1e-3));
        assertThat(search(node, "notes", "{\"text\":\"trucks\"}")).as("k defaults to 10").hasSize(3);

        Response del = node.delete("/v1/collections/notes/docs/robot");
        assertThat(del.status()).isEqualTo(200);
        assertThat(del.json().path("hlc").asText()).isGreaterThan(put.json().path("hlc").asText());
        Response gone = node.get("/v1/collections/notes/docs/robot");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("not_found");
        List<String> ids = ids(search(node, "notes", "{\"text\":\"which robot moves the parts\"}"));
        assertThat(ids).containsExactlyInAnyOrder("dock", "power/out");
        awaitIndexed(node, "notes", 2);
        assertThat(node.get("/v1/collections/notes").json().path("count").asInt()).isEqualTo(2);
    }

    @Test
    void shouldRejectBadDocumentsAndSearchesAndChangeNothing() throws Exception {
        assertThat(node.put("/v1/collections/keep/docs/d", "{\"text\":\"a document that stays as it is\"}").status())
            .isEqualTo(200);
        assertThat(node.put("/v1/maps/keepmap/k", "1").status()).isEqualTo(200);
        String root = node.get("/v1/digest").json().path("root").asText();
        String doc = node.get("/v1/collections/keep/docs/d").body();
        String okVector = vector(DIMS, 0.1f);
        ObjectNode manyKeys = StarlingProcess.JSON.createObjectNode();
        manyKeys.put("text", "t");
        ObjectNode meta = manyKeys.putObject("metadata");
        for (int i = 0; i < 65; i++) {
            meta.put("k" + i, i);
        }
        String tooLongText = "x".repeat(32 * 1024 + 1);
        String path = "/v1/collections/keep/docs/d";
        List<Response> bad = List.of(
            node.put(path, "{\"text\":\"\"}"),
            node.put(path, "{\"text\":\"  \\n \"}"),
            node.put(path, "{\"text\":\"" + tooLongText + "\"}"),
            node.put(path, "{\"text\":\"" + "\u00e9".repeat(16 * 1024 + 1) + "\"}"),
            node.put(path, "{\"text\":7}"),
            node.put(path, "{}"),
            node.put(path, "{\"metadata\":{}}"),
            node.put(path, "[\"text\"]"),
            node.put(path, "{not json"),
            node.put(path, "{\"text\":\"a\",\"metadata\":[1]}"),
            node.put(path, "{\"text\":\"a\",\"metadata\":\"x\"}"),
            node.put(path, manyKeys.toString()),
            node.put(path, "{\"text\":\"a\",\"colour\":\"red\"}"),
            node.put(path, "{\"text\":\"a\",\"model\":\"x@0000000000000001\"}"),
            node.put(path, "{\"vector\":[0.1,0.2]}"),
            node.put(path, "{\"vector\":[]}"),
            node.put(path, "{\"vector\":\"0.1,0.2\"}"),
            node.put(path, "{\"vector\":{\"0\":0.1}}"),
            node.put(path, "{\"vector\":[NaN," + okVector.substring(1) + "}"),
            node.put(path, "{\"vector\":[\"NaN\"," + okVector.substring(1) + "}"),
            node.put(path, "{\"vector\":[\"0.1\"," + okVector.substring(1) + "}"),
            node.put(path, "{\"vector\":[null," + okVector.substring(1) + "}"),
            node.put(path, "{\"vector\":[1e400," + okVector.substring(1) + "}"),
            node.put(path, "{\"vector\":[Infinity," + okVector.substring(1) + "}"),
            node.put(path, "{\"vector\":" + vector(DIMS, 0f) + "}"),
            node.put(path, "{\"vector\":" + vector(4097, 0.1f) + "}"),
            node.put(path, "{\"vector\":" + okVector + ",\"model\":\"no-version\"}"),
            node.put(path, "{\"vector\":" + okVector + ",\"model\":\"bad name@0000000000000001\"}"),
            node.put(path, "{\"vector\":" + okVector + ",\"model\":7}"),
            node.put(path, "{\"vector\":" + okVector + ",\"text\":\"\"}"),
            node.put(path + "?ack=most", "{\"text\":\"a\"}"),
            node.put("/v1/collections/bad%20name/docs/d", "{\"text\":\"a\"}"),
            node.put("/v1/collections/keep/docs/" + "i".repeat(1025), "{\"text\":\"a\"}"),
            node.post("/v1/collections/keep/search", "{\"text\":\"a\",\"k\":0}"),
            node.post("/v1/collections/keep/search", "{\"text\":\"a\",\"k\":1001}"),
            node.post("/v1/collections/keep/search", "{\"text\":\"a\",\"k\":\"5\"}"),
            node.post("/v1/collections/keep/search", "{\"text\":\"a\",\"k\":2.5}"),
            node.post("/v1/collections/keep/search", "{}"),
            node.post("/v1/collections/keep/search", "{\"text\":\"a\",\"vector\":" + okVector + "}"),
            node.post("/v1/collections/keep/search", "{\"vector\":[0.1,0.2]}"),
            node.post("/v1/collections/keep/search", "{\"vector\":[\"NaN\"]}"),
            node.post("/v1/collections/keep/search", "{\"text\":\"\"}"),
            node.post("/v1/collections/keep/search", "{\"query\":\"a\"}"));
        for (Response r : bad) {
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("bad_request");
            assertThat(r.json().path("error").path("message").asText()).isNotEmpty();
        }
        Response big = node.put(path, "{\"text\":\"" + "x".repeat(1 << 20) + "\"}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.errorCode()).isEqualTo("too_large");

        List<Response> conflicts = List.of(
            node.put("/v1/collections/keepmap/docs/d", "{\"text\":\"a\"}"),
            node.put("/v1/collections/keepmap/docs/d", "{\"vector\":" + okVector + "}"),
            node.delete("/v1/collections/keepmap/docs/d"),
            node.get("/v1/collections/keepmap"),
            node.get("/v1/collections/keepmap/docs/d"),
            node.post("/v1/collections/keepmap/search", "{\"text\":\"a\"}"),
            node.put("/v1/maps/keep/k", "1"));
        for (Response r : conflicts) {
            assertThat(r.status()).as(r.body()).isEqualTo(409);
            assertThat(r.errorCode()).isEqualTo("type_conflict");
        }

        assertThat(node.get("/v1/digest").json().path("root").asText()).as("nothing changed").isEqualTo(root);
        assertThat(node.get("/v1/collections/keep/docs/d").body()).isEqualTo(doc);
        assertThat(node.get("/v1/collections/keep").json().path("count").asInt()).isEqualTo(1);
        for (String p : List.of("/v1/collections/bad", "/v1/collections/keep/docs/other",
                "/v1/collections/never/docs/d")) {
            assertThat(node.get(p).status()).as(p).isEqualTo(404);
        }
        assertThat(node.post("/v1/collections/never/search", "{\"text\":\"a\"}").status()).isEqualTo(404);
    }

    @Test
    void shouldFixTheDimensionWithTheFirstVectorAndRefuseTextOfAnotherModel() throws Exception {
        Response first = node.put("/v1/collections/vecs/docs/a", "{\"vector\":[3,4,0],\"text\":\"stored only\","
            + "\"metadata\":{\"k\":\"v\"}}");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        JsonNode a = node.get("/v1/collections/vecs/docs/a").json();
        assertThat(a.path("text").asText()).isEqualTo("stored only");
        assertThat(a.path("vector").get(0).asDouble()).isCloseTo(0.6, within(0.01));
        assertThat(a.path("vector").get(1).asDouble()).isCloseTo(0.8, within(0.01));
        assertThat(a.path("vector").get(2).asDouble()).isCloseTo(0.0, within(0.01));
        assertThat(node.put("/v1/collections/vecs/docs/b", "{\"vector\":[0,1,0]}").status()).isEqualTo(200);
        assertThat(node.get("/v1/collections/vecs/docs/b").json().path("text").isNull()).isTrue();

        String root = node.get("/v1/digest").json().path("root").asText();
        Response wrongDims = node.put("/v1/collections/vecs/docs/c", "{\"vector\":[1,2]}");
        assertThat(wrongDims.status()).as(wrongDims.body()).isEqualTo(400);
        assertThat(wrongDims.errorCode()).isEqualTo("bad_request");
        Response text = node.put("/v1/collections/vecs/docs/c", "{\"text\":\"a text of another model\"}");
        assertThat(text.status()).as(text.body()).isEqualTo(409);
        assertThat(text.errorCode()).isEqualTo("model_conflict");
        Response textSearch = node.post("/v1/collections/vecs/search", "{\"text\":\"a query of another model\"}");
        assertThat(textSearch.status()).as(textSearch.body()).isEqualTo(409);
        assertThat(textSearch.errorCode()).isEqualTo("model_conflict");
        assertThat(node.post("/v1/collections/vecs/search", "{\"vector\":[1,2]}").status()).isEqualTo(400);
        assertThat(node.get("/v1/digest").json().path("root").asText()).as("nothing changed").isEqualTo(root);

        awaitIndexed(node, "vecs", 2);
        JsonNode summary = node.get("/v1/collections/vecs").json();
        assertThat(summary.path("count").asInt()).isEqualTo(2);
        assertThat(summary.path("dims").asInt()).isEqualTo(3);
        JsonNode hits = search(node, "vecs", "{\"vector\":[0.1,1,0],\"k\":2}");
        assertThat(ids(hits)).containsExactly("b", "a");
        assertThat(hits.get(1).path("text").asText()).isEqualTo("stored only");
        assertThat(hits.get(0).path("text").isNull()).isTrue();
    }

    @Test
    void shouldTakeVectorsButRefuseTextWithoutAnEncoder() throws Exception {
        try (StarlingProcess bare = StarlingProcess.startNode(tmp.resolve("bare"), "bare", "--cluster", "coll-bare",
                "--no-encoder")) {
            for (Response r : List.of(bare.put("/v1/collections/c/docs/d", "{\"text\":\"hello\"}"))) {
                assertThat(r.status()).as(r.body()).isEqualTo(400);
                assertThat(r.json().path("error").path("message").asText()).contains("without an encoder");
            }
            assertThat(bare.get("/v1/collections/c").status()).as("the refused text wrote nothing").isEqualTo(404);
            assertThat(bare.put("/v1/collections/c/docs/d", "{\"vector\":[1,0],\"text\":\"hello\"}").status())
                .isEqualTo(200);
            Response search = bare.post("/v1/collections/c/search", "{\"text\":\"hello\"}");
            assertThat(search.status()).isEqualTo(400);
            assertThat(search.json().path("error").path("message").asText()).contains("without an encoder");
            awaitIndexed(bare, "c", 1);
            assertThat(ids(search(bare, "c", "{\"vector\":[1,0.1]}"))).containsExactly("d");
            assertThat(bare.terminate()).as(bare.stderrText()).isZero();
            assertThat(bare.stderrText()).contains("--no-encoder");
        }
    }

    @Test
    void shouldMakeATextUpsertSearchableOnAnotherNode() throws Exception {
        List<StarlingProcess> nodes = new ArrayList<>();
        try {
            StarlingProcess a = StarlingProcess.startNode(tmp.resolve("a"), "a", "--cluster", "coll-mesh");
            nodes.add(a);
            // b loads a copy of the built-in model with --model: same name and files, so the same model id
            Path model = builtinModelCopy(tmp.resolve("models").resolve("all-minilm-l6-v2-q"));
            StarlingProcess b = StarlingProcess.startNode(tmp.resolve("b"), "b", "--cluster", "coll-mesh",
                "--seed", a.seed(), "--model", model.toString());
            nodes.add(b);
            Response put = a.put("/v1/collections/shared/docs/alarm?ack=all&timeout_ms=5000",
                "{\"text\":\"a person walked into the restricted area\",\"metadata\":{\"zone\":\"B\"}}");
            assertThat(put.status()).as(put.body()).isIn(200, 202);
            assertThat(a.put("/v1/collections/shared/docs/tyres",
                "{\"text\":\"the forklift needs a new set of tyres\"}").status()).isEqualTo(200);
            MeshIT.await("both documents indexed on b", () -> indexed(b, "shared") == 2);
            JsonNode hits = search(b, "shared", "{\"text\":\"someone entered a forbidden zone\",\"k\":2}");
            assertThat(ids(hits)).containsExactly("alarm", "tyres");
            JsonNode doc = b.get("/v1/collections/shared/docs/alarm").json();
            assertThat(doc.path("metadata").path("zone").asText()).isEqualTo("B");
            assertThat(doc.path("vector").toString())
                .isEqualTo(a.get("/v1/collections/shared/docs/alarm").json().path("vector").toString());
            assertThat(b.put("/v1/collections/shared/docs/from-b", "{\"text\":\"a drone battery is low\"}").status())
                .as("b's model is the collection's").isEqualTo(200);
            MeshIT.await("per-collection gauges on a", () -> {
                String m;
                try {
                    m = a.get("/metrics").body();
                } catch (Exception e) {
                    return false;
                }
                return m.contains("starling_collection_documents{collection=\"shared\"} 3.0")
                    && m.contains("starling_collection_indexed{collection=\"shared\"} 3.0");
            });
            assertThat(b.terminate()).isZero();
            assertThat(b.stderrText()).contains("encoder model all-minilm-l6-v2-q@", "from " + model);
        } finally {
            for (StarlingProcess n : nodes) {
                n.close();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode search(StarlingProcess n, String coll, String body) throws Exception {
        Response r = n.post("/v1/collections/" + coll + "/search", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("results");
    }

    private static List<String> ids(JsonNode results) {
        List<String> ids = new ArrayList<>();
        results.forEach(r -> ids.add(r.path("id").asText()));
        return ids;
    }

    private static int indexed(StarlingProcess n, String coll) {
        try {
            JsonNode s = n.get("/v1/collections/" + coll).json();
            return s.path("count").asInt() == s.path("indexed").asInt() ? s.path("indexed").asInt() : -1;
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }

    private static void awaitIndexed(StarlingProcess n, String coll, int count) throws InterruptedException {
        MeshIT.await(coll + " indexed with " + count + " documents on " + n.name, () -> indexed(n, coll) == count);
    }

    /** model.onnx and tokenizer.json of the built-in model (from the index module's resources) in {@code dir}. */
    private static Path builtinModelCopy(Path dir) throws Exception {
        Files.createDirectories(dir);
        String res = "/dev/starling/index/model/all-minilm-l6-v2-q/";
        for (String[] f : new String[][] {{"all-minilm-l6-v2-q.onnx", "model.onnx"},
                {"all-minilm-l6-v2-q-tokenizer.json", "tokenizer.json"}}) {
            try (InputStream in = CollectionsIT.class.getResourceAsStream(res + f[0])) {
                assertThat(in).as("resource " + f[0]).isNotNull();
                Files.copy(in, dir.resolve(f[1]));
            }
        }
        return dir;
    }

    private static double norm(JsonNode vector) {
        double sum = 0;
        for (JsonNode x : vector) {
            sum += x.asDouble() * x.asDouble();
        }
        return Math.sqrt(sum);
    }

    private static String vector(int dims, float value) {
        ArrayNode a = StarlingProcess.JSON.createArrayNode();
        for (int i = 0; i < dims; i++) {
            a.add(value);
        }
        return a.toString();
    }
}
