package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.Document;
import dev.starling.index.SearchHit;
import dev.starling.index.VectorIndex;
import dev.starling.index.encoder.EncoderConfig;
import dev.starling.index.encoder.OnnxTextEncoder;
import dev.starling.node.replication.ModelMismatchException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Collections on real nodes with the real encoder: three nodes, documents inserted, updated
 * concurrently (on both sides of a partition) and deleted on different nodes; after convergence every
 * node's index holds the same ids with the same vectors and answers the same query with the same
 * top 10, also after a restart from the index snapshot.
 */
class CollectionMeshTest {

    private static OnnxTextEncoder encoder;

    @BeforeAll
    static void openEncoder() {
        encoder = OnnxTextEncoder.builtin(EncoderConfig.defaults());
    }

    @AfterAll
    static void closeEncoder() {
        encoder.close();
    }

    private static final String[] TOPICS = {
        "the robot arm picks parts from the conveyor belt",
        "a camera watches the loading dock for trucks",
        "the battery of the drone is running low",
        "inference box temperature is above the limit",
        "warehouse shelves are restocked every night",
        "the forklift needs a new set of tyres",
        "network switch in rack four lost power",
        "a person walked into the restricted area",
    };

    private static String text(int doc, int version) {
        return TOPICS[doc % TOPICS.length] + ", note " + doc + " revision " + version;
    }

    private static TestCluster cluster(Path dir) {
        return TestCluster.start(dir, 3, b -> b.encoder(encoder));
    }

    @Test
    void shouldConvergeToTheSameIndexEverywhere(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = cluster(dir)) {
            List<Node> nodes = cluster.live();
            List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
            for (int d = 0; d < 60; d++) {
                writes.add(nodes.get(d % 3).collection("notes").upsertText("doc-" + d, text(d, 0),
                    Map.of("n", Value.utf8("\"" + d + "\"")), dev.starling.node.replication.AckLevel.LOCAL,
                    Node.DEFAULT_WRITE_TIMEOUT));
            }
            join(writes);
            cluster.awaitConverged();

            // concurrent updates: n0 cut off, docs 0..9 rewritten on both sides; n1 deletes 10..14
            // while n0 rewrites 12 (update wins); n2 deletes 40..49
            Node n0 = nodes.get(0);
            Node n1 = nodes.get(1);
            Node n2 = nodes.get(2);
            cluster.faults.isolate(Set.of(n0.replicaId()));
            writes.clear();
            for (int d = 0; d < 10; d++) {
                writes.add(n0.collection("notes").upsertText("doc-" + d, text(d, 1)));
                writes.add(n1.collection("notes").upsertText("doc-" + d, TOPICS[(d + 3) % TOPICS.length]
                    + " (second opinion)"));
            }
            for (int d = 10; d < 15; d++) {
                writes.add(n1.collection("notes").delete("doc-" + d));
            }
            writes.add(n0.collection("notes").upsertText("doc-12", text(12, 7)));
            for (int d = 40; d < 50; d++) {
                writes.add(n2.collection("notes").delete("doc-" + d));
            }
            join(writes);
            cluster.faults.clear();
            cluster.awaitConverged();
            awaitIndexesCaughtUp(nodes, "notes");

            CollectionHandle c0 = n0.collection("notes");
            assertThat(c0.size()).as("60 - 5 deleted by n1 + 1 kept by n0's concurrent update - 10 deleted by n2")
                .isEqualTo(46);
            Document<Value> doc12 = c0.get("doc-12");
            assertThat(doc12).as("an update concurrent with a delete survives it").isNotNull();
            assertThat(doc12.text()).isEqualTo(text(12, 7));
            Document<Value> doc3 = c0.get("doc-3");
            assertThat(doc3.embeddings()).as("concurrent upserts keep both embeddings").hasSize(2);
            assertThat(doc3.metadata()).as("both upserts replaced the metadata").isEmpty();

            Map<String, float[]> reference = vectors(n0, "notes");
            assertThat(reference).hasSize(46);
            for (Node n : nodes) {
                Map<String, float[]> v = vectors(n, "notes");
                assertThat(v.keySet()).as("ids in %s's index", n.name()).isEqualTo(reference.keySet());
                for (Map.Entry<String, float[]> e : v.entrySet()) {
                    assertThat(e.getValue()).as("vector of %s on %s", e.getKey(), n.name())
                        .containsExactly(reference.get(e.getKey()));
                }
            }
            List<String> queries = List.of("which robot moves the parts", "power failure in the server rack",
                "someone entered a forbidden zone");
            Map<String, List<String>> answers = new HashMap<>();
            for (String q : queries) {
                List<String> top = ids(n0.collection("notes").search(q, 10));
                assertThat(top).hasSize(10);
                answers.put(q, top);
                for (Node n : nodes) {
                    assertThat(ids(n.collection("notes").search(q, 10))).as("top 10 for '%s' on %s", q, n.name())
                        .isEqualTo(top);
                }
            }
            assertThat(n1.collection("notes").search("someone entered a forbidden zone", 3).get(0).id())
                .as("the best match is a document about the restricted area")
                .isIn(reference.keySet().stream().filter(id -> Integer.parseInt(id.substring(4)) % 8 == 7)
                    .collect(Collectors.toSet()));

            // restart n2: the index comes back from its snapshot with the same answers
            String name2 = n2.name();
            n2.close();
            Node back = cluster.add(name2);
            cluster.awaitAllAlive();
            awaitIndexesCaughtUp(List.of(back), "notes");
            assertThat(back.indexer().loadedFromSnapshot("notes")).as("loaded, not rebuilt").isTrue();
            assertThat(vectors(back, "notes").keySet()).isEqualTo(reference.keySet());
            for (String q : queries) {
                assertThat(ids(back.collection("notes").search(q, 10))).isEqualTo(answers.get(q));
            }
        }
    }

    @Test
    void shouldRefuseBadInputAndStoreNothing(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = cluster(dir)) {
            Node n = cluster.live().get(0);
            CollectionHandle c = n.collection("vecs");
            c.upsertVector("a", new float[] {1, 0, 0}, Map.of()).get();
            assertThat(c.dimensions()).isEqualTo(3);
            assertThat(n.digestEntries()).as("a completed write is in the digest: the header and the document")
                .isEqualTo(2);
            assertThat(n.changes().read(0, 10)).as("and in the change feed").extracting(ChangeFeed.Entry::key)
                .containsExactly(null, "a");
            String digest = n.digest();
            assertThatThrownBy(() -> c.upsertVector("b", new float[] {1, 0}, Map.of()).get())
                .isInstanceOf(ExecutionException.class).hasMessageContaining("3 dimensions");
            assertThatThrownBy(() -> c.upsertVector("b", new float[] {1, Float.NaN, 0}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a finite number");
            assertThatThrownBy(() -> c.upsertVector("b", new float[] {0, 0, 0}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero vector");
            CollectionHandle t = n.collection("texts");
            assertThatThrownBy(() -> t.upsertText("x", "  ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty or blank");
            assertThatThrownBy(() -> t.upsertText("x", "a".repeat(CollectionHandle.MAX_TEXT_BYTES + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over");
            assertThatThrownBy(() -> c.upsertText("x", "a text in a 3-dimension collection").get())
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ModelMismatchException.class);
            assertThat(n.digest()).as("nothing stored").isEqualTo(digest);
            assertThat(c.size()).isEqualTo(1);
            assertThat(t.exists()).isFalse();
            assertThatThrownBy(() -> c.search(new float[] {1, 0}, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 dimensions");
            Await.until(() -> c.indexed() == 1, TestCluster.CONVERGE);
            assertThat(ids(c.search(new float[] {0.9f, 0.1f, 0}, 5))).containsExactly("a");
        }
    }

    @Test
    void shouldMoveToANewModelAndRebuildTheIndex(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = cluster(dir)) {
            Node n = cluster.live().get(0);
            Node other = cluster.live().get(1);
            CollectionHandle c = n.collection("moving");
            String oldModel = "small@00000000000000a1";
            String newModel = "large@00000000000000b2";
            for (int i = 0; i < 5; i++) {
                c.upsertVector("d" + i, new float[] {1, i, 0}, oldModel, "text " + i, Map.of(),
                    dev.starling.node.replication.AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT).get();
            }
            assertThat(c.model()).isEqualTo(oldModel);
            awaitIndexesCaughtUp(List.of(n), "moving");
            assertThat(c.indexed()).isEqualTo(5);

            // a vector without a model is in the collection's space; one of another model moves it
            c.upsertVector("d0", new float[] {0, 1, 0, 0}, newModel, "text 0", Map.of(),
                dev.starling.node.replication.AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT).get();
            assertThat(c.model()).isEqualTo(newModel);
            assertThat(c.dimensions()).isEqualTo(4);
            assertThat(c.header().model().generation()).isEqualTo(2);
            assertThatThrownBy(() -> c.upsertVector("d1", new float[] {1, 0, 0}, Map.of()).get())
                .hasMessageContaining("4 dimensions");
            cluster.awaitConverged();
            for (Node x : List.of(n, other)) {
                CollectionHandle h = x.collection("moving");
                Await.until(() -> x.indexer().position() >= x.changes().lastCursor() && h.indexed() == 1
                    && h.isIndexed("d0"), TestCluster.CONVERGE, () -> x.name() + " indexed " + h.indexed());
                assertThat(h.size()).as("the old model's documents stay stored").isEqualTo(5);
                assertThat(ids(h.search(new float[] {0, 1, 0, 0.1f}, 10))).containsExactly("d0");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    static void awaitIndexesCaughtUp(List<Node> nodes, String collection) {
        Await.until(() -> nodes.stream().allMatch(n -> n.indexer().position() >= n.changes().lastCursor()
                && n.collection(collection).indexed() == n.collection(collection).size()),
            TestCluster.CONVERGE, () -> "indexes caught up: " + nodes.stream().map(n -> n.name() + " indexed "
                + n.collection(collection).indexed() + " of " + n.collection(collection).size() + " at "
                + n.indexer().position() + "/" + n.changes().lastCursor()).toList());
    }

    static Map<String, float[]> vectors(Node n, String collection) {
        VectorIndex idx = n.indexer().index(collection);
        Map<String, float[]> out = new TreeMap<>();
        n.collection(collection).state().forEach((id, d) -> {
            if (idx.contains(id)) {
                out.put(id, idx.vector(id));
            }
        });
        return out;
    }

    static List<String> ids(List<SearchHit> hits) {
        return hits.stream().map(SearchHit::id).toList();
    }

    static void join(List<CompletableFuture<WriteResult>> writes) throws Exception {
        for (CompletableFuture<WriteResult> w : writes) {
            w.get();
        }
    }
}
