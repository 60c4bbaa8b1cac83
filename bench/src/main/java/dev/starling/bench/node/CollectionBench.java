package dev.starling.bench.node;

import static dev.starling.bench.node.MeshBench.await;
import static dev.starling.bench.node.MeshBench.bytesOut;
import static dev.starling.bench.node.MeshBench.closeAll;
import static dev.starling.bench.node.MeshBench.opt;
import static dev.starling.bench.node.MeshBench.pct;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.bench.index.Sentences;
import dev.starling.crdt.Document;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.codec.DocumentCodec;
import dev.starling.crdt.codec.DecodeLimits;
import dev.starling.index.IndexConfig;
import dev.starling.index.SearchHit;
import dev.starling.index.VectorIndex;
import dev.starling.index.encoder.EncoderConfig;
import dev.starling.index.encoder.OnnxTextEncoder;
import dev.starling.node.CollectionHandle;
import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.Value;
import dev.starling.node.ValueCodecs;
import dev.starling.node.store.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The collection figures of the embeddings issue, on real nodes in this JVM on loopback with the
 * built-in encoder (all-MiniLM-L6-v2 quantized, 384 dimensions). Bounded in count and time; closes
 * what it starts.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.CollectionBench bytes [--docs 2000]
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.CollectionBench searchable [--samples 200]
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.CollectionBench recall [--docs 20000] [--queries 200]
 * </pre>
 *
 * <ul>
 *   <li>{@code bytes}: two nodes; node 0 upserts documents by vector (encoder vectors of generated
 *       sentences); data-plane bytes of both nodes (frames, envelopes, delta records, acks) per
 *       upsert, next to the document's record alone, the float32 vector and the HTTP JSON body.</li>
 *   <li>{@code searchable}: three nodes; an upsert by text on one node (encoding included) until the
 *       document is in the index of every node: p50 / p99 / max.</li>
 *   <li>{@code recall}: HNSW with the default parameters over encoder vectors of generated sentences:
 *       build rate, query p50 / p99 and recall@10 against exact search (a hit counts if its score
 *       reaches the exact 10th score: ties between equal sentences are not misses).</li>
 * </ul>
 */
public final class CollectionBench {

    private static final long WAIT_S = 120;

    private CollectionBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help")) {
            System.out.println("usage: CollectionBench bytes|searchable|recall [--docs N] [--samples N] [--queries N]");
            return;
        }
        try (OnnxTextEncoder encoder = OnnxTextEncoder.builtin(EncoderConfig.defaults())) {
            switch (args[0]) {
                case "bytes" -> bytes(encoder, Integer.parseInt(opt(args, "--docs", "2000")));
                case "searchable" -> searchable(encoder, Integer.parseInt(opt(args, "--samples", "200")));
                case "recall" -> recall(encoder, Integer.parseInt(opt(args, "--docs", "20000")),
                    Integer.parseInt(opt(args, "--queries", "200")));
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        }
        System.exit(0);
    }

    static void bytes(OnnxTextEncoder encoder, int docs) throws Exception {
        List<String> texts = Sentences.generate(docs, 11);
        float[][] vectors = encoder.embedAll(texts);
        Path dir = Files.createTempDirectory("collection-bench");
        List<Node> nodes = startCluster(dir, 2, encoder);
        try {
            CollectionHandle c0 = nodes.get(0).collection("docs");
            CollectionHandle c1 = nodes.get(1).collection("docs");
            c0.upsertVector("warm-up", vectors[0], Map.of()).get();
            await(() -> c1.get("warm-up") != null, "warm-up replicated");
            await(() -> nodes.get(1).digest().equals(nodes.get(0).digest()), "warm-up acked");
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // let the warm-up's acks settle before counting
            int half = docs / 2;
            long before = bytesOut(nodes);
            for (int i = 0; i < half; i++) {
                c0.upsertVector(String.format("doc-%06d", i), vectors[i], Map.of()).get();
                // one at a time, as a sensor would: each upsert is its own frame, with its own ack
                int n = i;
                await(() -> c1.get(String.format("doc-%06d", n)) != null, "doc replicated");
            }
            await(() -> nodes.get(1).digest().equals(nodes.get(0).digest()), "converged");
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // the last acks
            long single = bytesOut(nodes) - before;
            before = bytesOut(nodes);
            List<java.util.concurrent.CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = half; i < docs; i++) {
                pending.add(c0.upsertVector(String.format("doc-%06d", i), vectors[i], Map.of()));
            }
            for (var f : pending) {
                f.get();
            }
            await(() -> c1.size() == docs + 1, "all replicated");
            await(() -> nodes.get(1).digest().equals(nodes.get(0).digest()), "converged");
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            long batched = bytesOut(nodes) - before;

            DocumentCodec<Value> codec = new DocumentCodec<>(ValueCodecs.bytes(), DecodeLimits.DEFAULT);
            Document<Value> one = Document.<Value>empty().upsertDelta(nodes.get(0).replicaId(),
                new dev.starling.crdt.Hlc(System.currentTimeMillis(), 0, nodes.get(0).replicaId()),
                EmbeddingValue.quantize(new ModelVersion(1, 0x6ea94d8f890e7e0eL), vectors[1]), null, Map.of());
            int docBytes = codec.encode(one).length;
            int recordForm = codec.encode(one, nodes.get(0).replicaId()).length;
            ObjectMapper json = new ObjectMapper();
            ObjectNode body = json.createObjectNode();
            ArrayNode arr = body.putArray("vector");
            for (float f : vectors[1]) {
                arr.add(f);
            }
            int jsonBytes = json.writeValueAsBytes(body).length;
            System.out.printf("docs %d, dims %d%n", docs, vectors[0].length);
            System.out.printf("data-plane bytes per upsert by vector (both directions, 1 peer): one at a time %.1f B, "
                + "%d submitted at once %.1f B%n", single / (double) half, docs - half, batched / (double) (docs - half));
            System.out.printf("document delta alone (protobuf, 384 int8 + scale + model + dot + context): %d B as a "
                + "stored state, %d B in a delta record (the origin's id left out)%n", docBytes, recordForm);
            System.out.printf("float32 vector alone: %d B; JSON body {\"vector\":[...]}: %d B%n",
                vectors[0].length * 4, jsonBytes);
        } finally {
            closeAll(nodes);
        }
    }

    static void searchable(OnnxTextEncoder encoder, int samples) throws Exception {
        List<String> texts = Sentences.generate(samples + 20, 13);
        Path dir = Files.createTempDirectory("collection-bench");
        List<Node> nodes = startCluster(dir, 3, encoder);
        try {
            List<CollectionHandle> handles = nodes.stream().map(n -> n.collection("docs")).toList();
            for (int i = 0; i < 20; i++) { // warm-up: JIT, first vector fixes the header
                String id = "warm-" + i;
                handles.get(i % 3).upsertText(id, texts.get(samples + i)).get();
                await(() -> handles.stream().allMatch(h -> h.isIndexed(id)), "warm-up indexed");
            }
            long[] all = new long[samples];
            long[] encodeOnly = new long[samples];
            for (int i = 0; i < samples; i++) {
                String id = String.format("doc-%06d", i);
                CollectionHandle writer = handles.get(i % 3);
                long t0 = System.nanoTime();
                encoder.embed(texts.get(i));
                encodeOnly[i] = System.nanoTime() - t0;
                long start = System.nanoTime();
                writer.upsertText(id, texts.get(i));
                long deadline = start + TimeUnit.SECONDS.toNanos(WAIT_S);
                while (!handles.stream().allMatch(h -> h.isIndexed(id))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("not searchable everywhere: " + id);
                    }
                    Thread.onSpinWait();
                }
                all[i] = System.nanoTime() - start;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            Arrays.sort(all);
            Arrays.sort(encodeOnly);
            System.out.printf("upsert by text on one node -> in the index of all 3 nodes, %d samples: p50 %.2f ms, "
                + "p99 %.2f ms, max %.2f ms (encoding alone: p50 %.2f ms)%n", samples, pct(all, 0.5), pct(all, 0.99),
                all[samples - 1] / 1e6, pct(encodeOnly, 0.5));
        } finally {
            closeAll(nodes);
        }
    }

    static void recall(OnnxTextEncoder encoder, int docs, int queries) {
        long t0 = System.nanoTime();
        List<String> corpus = Sentences.generate(docs, 17);
        float[][] vectors = encoder.embedAll(corpus);
        float[][] qs = encoder.embedAll(Sentences.generate(queries, 19));
        System.out.printf("encoded %d + %d sentences in %.1f s%n", docs, queries, (System.nanoTime() - t0) / 1e9);
        IndexConfig config = IndexConfig.of(vectors[0].length, new ModelVersion(1, 1));
        VectorIndex index = VectorIndex.create(config);
        long b0 = System.nanoTime();
        for (int i = 0; i < docs; i++) {
            index.upsert("d" + i, vectors[i]);
        }
        double buildS = (System.nanoTime() - b0) / 1e9;
        long[] lat = new long[queries];
        int found = 0;
        for (int q = 0; q < queries; q++) {
            long s = System.nanoTime();
            List<SearchHit> hits = index.search(qs[q], 10);
            lat[q] = System.nanoTime() - s;
            List<SearchHit> exact = index.searchExact(qs[q], 10);
            float tenth = exact.get(exact.size() - 1).score();
            for (SearchHit h : hits) {
                if (h.score() >= tenth - 1e-6f) {
                    found++;
                }
            }
        }
        Arrays.sort(lat);
        System.out.printf("HNSW M=%d efConstruction=%d ef=%d over %d encoder vectors (384 dims): build %.0f vectors/s, "
                + "query p50 %.3f ms p99 %.3f ms, recall@10 %.4f (%d queries)%n", config.m(), config.efConstruction(),
            config.ef(), docs, docs / buildS, pct(lat, 0.5), pct(lat, 0.99), found / (double) (queries * 10), queries);
    }

    // ---------------------------------------------------------------- helpers

    private static List<Node> startCluster(Path dir, int n, OnnxTextEncoder encoder) {
        return MeshBench.startCluster(dir, n, null, SyncPolicy.INTERVAL, NodeConfig.Profile.LAN, b -> b.encoder(encoder));
    }
}
