package dev.starling.bench.index;

import dev.starling.crdt.ModelVersion;
import dev.starling.index.ClusteredVectors;
import dev.starling.index.IndexConfig;
import dev.starling.index.SearchHit;
import dev.starling.index.VectorIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HNSW figures of the issue: build rate, query p50/p99 and recall@10 at N vectors (default 100 000 x
 * 384) for chosen M, efConstruction and a list of ef values; plus snapshot save/load time and size.
 * Not JMH: one build is one measurement, and per-query latencies are what p50/p99 need.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.starling.bench.index.HnswBench [--n 100000] [--dims 384]
 *     [--m 16] [--efc 200] [--ef 16,32,64,128] [--build-threads 1] [--queries 1000] [--warmup 2000]
 *     [--clusters 1000] [--spread 1.2] [--seed 1] [--snapshot-out FILE | --snapshot-in FILE]
 * </pre>
 *
 * {@code --snapshot-out} saves the built index (and reports save time and size); {@code --snapshot-in}
 * loads such a file instead of building (same --n, --dims, --clusters, --spread, --seed regenerate the
 * same vectors for the ground truth), so the query figures can be taken later, on a quiet machine.
 *
 * Vectors: {@link ClusteredVectors} (Gaussian mixture on the unit sphere), queries drawn from the same
 * mixture but not in the index. Build: {@code --build-threads 1} inserts one by one with
 * {@code upsert} (what the node's single writer does); more threads use {@code upsertAll}. Searches
 * run on this one thread. Recall@10: share of the exact top 10 (brute force, {@code searchExact})
 * found by the graph search.
 */
public final class HnswBench {

    private HnswBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int n = 100_000;
        int dims = 384;
        int m = IndexConfig.DEFAULT_M;
        int efc = IndexConfig.DEFAULT_EF_CONSTRUCTION;
        int[] efs = {16, 32, 64, 128};
        int threads = 1;
        int queries = 1000;
        int warmup = 2000;
        int clusters = 1000;
        float spread = 1.2f;
        long seed = 1;
        Path snapshotOut = null;
        Path snapshotIn = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--n" -> n = Integer.parseInt(v);
                case "--dims" -> dims = Integer.parseInt(v);
                case "--m" -> m = Integer.parseInt(v);
                case "--efc" -> efc = Integer.parseInt(v);
                case "--ef" -> efs = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--build-threads" -> threads = Integer.parseInt(v);
                case "--queries" -> queries = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--clusters" -> clusters = Integer.parseInt(v);
                case "--spread" -> spread = Float.parseFloat(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--snapshot-out" -> snapshotOut = Path.of(v);
                case "--snapshot-in" -> snapshotIn = Path.of(v);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
            i++;
        }
        System.out.printf(Locale.ROOT, "HnswBench n=%d dims=%d M=%d efConstruction=%d buildThreads=%d queries=%d"
            + " clusters=%d spread=%.2f seed=%d%n", n, dims, m, efc, threads, queries, clusters, spread, seed);

        ClusteredVectors gen = new ClusteredVectors(dims, clusters, spread, seed);
        float[][] data = gen.next(n);
        float[][] qs = gen.next(queries + warmup);
        IndexConfig config = IndexConfig.of(dims, new ModelVersion(1, 1)).withM(m).withEfConstruction(efc)
            .withExactThreshold(0);

        VectorIndex index;
        if (snapshotIn != null) {
            long l0 = System.nanoTime();
            VectorIndex.Loaded loaded = VectorIndex.load(snapshotIn);
            index = loaded.index();
            System.out.printf(Locale.ROOT, "loaded %s: %d vectors in %.2f s (%.1f MB, M=%d efConstruction=%d)%n",
                snapshotIn, index.size(), (System.nanoTime() - l0) / 1e9, Files.size(snapshotIn) / 1e6,
                index.config().m(), index.config().efConstruction());
        } else {
            index = VectorIndex.create(config);
            long t0 = System.nanoTime();
            if (threads == 1) {
                for (int i = 0; i < n; i++) {
                    index.upsert(id(i), data[i]);
                    if ((i + 1) % 20_000 == 0) {
                        double s = (System.nanoTime() - t0) / 1e9;
                        System.out.printf(Locale.ROOT, "  built %d in %.1f s (%.0f/s)%n", i + 1, s, (i + 1) / s);
                    }
                }
            } else {
                List<Map.Entry<String, float[]>> all = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    all.add(new AbstractMap.SimpleEntry<>(id(i), data[i]));
                }
                index.upsertAll(all, threads);
            }
            double buildS = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "build: %d vectors in %.1f s = %.0f vectors/s (%d thread(s))%n",
                n, buildS, n / buildS, threads);
            System.out.printf(Locale.ROOT, "build CPU time (process): %.1f s%n", processCpuNs() / 1e9);
            if (snapshotOut != null) {
                long s0 = System.nanoTime();
                index.save(snapshotOut, n);
                System.out.printf(Locale.ROOT, "saved %s: %.1f MB in %.2f s%n", snapshotOut,
                    Files.size(snapshotOut) / 1e6, (System.nanoTime() - s0) / 1e9);
            }
        }

        long g0 = System.nanoTime();
        List<Set<String>> truth = new ArrayList<>(queries);
        for (int q = 0; q < queries; q++) {
            Set<String> ids = new HashSet<>();
            for (SearchHit h : index.searchExact(qs[warmup + q], 10)) {
                ids.add(h.id());
            }
            truth.add(ids);
        }
        double exactMs = (System.nanoTime() - g0) / 1e6 / queries;
        System.out.printf(Locale.ROOT, "exact search (brute force, %d vectors): %.2f ms/query mean%n", n, exactMs);

        System.out.println("   ef  recall@10   p50 ms   p90 ms   p99 ms   mean ms");
        for (int ef : efs) {
            index.setEf(ef);
            for (int w = 0; w < warmup; w++) {
                index.search(qs[w], 10);
            }
            long[] ns = new long[queries];
            int found = 0;
            for (int q = 0; q < queries; q++) {
                long s = System.nanoTime();
                List<SearchHit> hits = index.search(qs[warmup + q], 10);
                ns[q] = System.nanoTime() - s;
                for (SearchHit h : hits) {
                    found += truth.get(q).contains(h.id()) ? 1 : 0;
                }
            }
            Arrays.sort(ns);
            double mean = Arrays.stream(ns).average().orElse(0) / 1e6;
            System.out.printf(Locale.ROOT, "%5d  %9.4f  %7.3f  %7.3f  %7.3f  %8.3f%n", ef, found / (queries * 10.0),
                ns[queries / 2] / 1e6, ns[(int) (queries * 0.9)] / 1e6, ns[(int) (queries * 0.99)] / 1e6, mean);
        }
    }

    private static long processCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String id(int i) {
        return "doc-" + i;
    }
}
