package dev.starling.bench.node;

import dev.starling.node.store.Batch;
import dev.starling.node.store.Store;
import dev.starling.node.store.StoreConfig;
import dev.starling.node.store.SyncPolicy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Restart time of the store with many objects (not a JMH benchmark: one cold run is what a
 * restart is). Issue goal: "restart with 1M keys until reads are served: ≤ 5 s"; this measures the
 * storage part of it.
 *
 * <p>Run after {@code mvn package}:
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.StoreRestartReport all DIR [objects] [batch] [--cold]
 * </pre>
 * {@code all} writes {@code objects} (default 1,000,000) objects of {@value #VALUE_BYTES} random
 * bytes, named {@code obj-0000000}..., in batches of {@code batch} (default 1000), one commit each
 * (sync policy {@code interval}, synced as the agent would, every 5 ms), closes the store, and
 * starts a fresh JVM on the same directory ({@code restart DIR}) that measures the time until the
 * first read is served (from JVM start and from {@code Store.open}), then iterates every object and
 * does random point reads. {@code --cold} first drops the kernel's page cache (needs root), so the
 * restart reads the data file from disk as after a reboot. DIR must not exist yet.
 *
 * <p>{@code commits DIR [n]} measures the latency of {@code n} (default 2000) commits of a
 * one-object batch (a 100-byte state and a 100-byte delta) under each sync policy: what the group
 * commit amortises.
 */
public final class StoreRestartReport {

    static final int VALUE_BYTES = 100;
    static final int POINT_READS = 100_000;

    private StoreRestartReport() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        if (args.length < 2) {
            usage();
        }
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "all" -> {
                List<String> rest = List.of(args).subList(2, args.length);
                boolean cold = rest.contains("--cold");
                List<String> numbers = rest.stream().filter(a -> !a.startsWith("--")).toList();
                int objects = numbers.size() > 0 ? Integer.parseInt(numbers.get(0)) : 1_000_000;
                int batch = numbers.size() > 1 ? Integer.parseInt(numbers.get(1)) : 1000;
                write(dir, objects, batch);
                if (cold) {
                    dropPageCache();
                }
                restartInFreshJvm(dir);
            }
            case "write" -> write(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "restart" -> restart(dir);
            case "commits" -> commits(dir, args.length > 2 ? Integer.parseInt(args[2]) : 2000);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: StoreRestartReport all DIR [objects] [batch] [--cold] | write DIR objects batch"
                + " | restart DIR | commits DIR [n]");
        System.exit(2);
    }

    static String name(int i) {
        return String.format("obj-%07d", i);
    }

    private static void write(Path dir, int objects, int batchSize) {
        if (Files.exists(dir)) {
            throw new IllegalArgumentException(dir + " exists already: give a new directory");
        }
        Random random = new Random(42);
        byte[][] values = new byte[1024][VALUE_BYTES];
        for (byte[] v : values) {
            random.nextBytes(v);
        }
        long startNs = System.nanoTime();
        try (Store store = Store.open(dir, StoreConfig.lan())) {
            for (int i = 0; i < objects; i += batchSize) {
                Batch batch = store.batch();
                for (int j = i; j < Math.min(objects, i + batchSize); j++) {
                    batch.putObject(name(j), values[j & 1023]);
                }
                batch.commit();
                store.syncIfDue(System.nanoTime());
            }
            store.sync();
            long writeNs = System.nanoTime() - startNs;
            System.out.printf("write    %,d objects of %d B in batches of %,d: %.2f s, %,.0f objects/s%n",
                    objects, VALUE_BYTES, batchSize, writeNs / 1e9, objects / (writeNs / 1e9));
            System.out.printf("size     %,d B in use (%.1f B per object), data.mdb %,d B, map %,d B%n",
                    store.sizeBytes(), store.sizeBytes() / (double) objects, dataFileBytes(dir), store.mapSizeBytes());
        }
    }

    private static void restart(Path dir) {
        long openNs = System.nanoTime();
        Store store = Store.open(dir, StoreConfig.lan());
        long openedNs = System.nanoTime();
        long count = store.objectCount();
        byte[] first = store.object(name(new Random().nextInt((int) count)));
        long firstReadNs = System.nanoTime();
        long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
        if (first == null || first.length != VALUE_BYTES) {
            throw new IllegalStateException("first read returned " + (first == null ? "nothing" : first.length + " bytes"));
        }
        System.out.printf("restart  open %.1f ms, first read served %.1f ms after open, %,d ms after JVM start (%,d objects)%n",
                (openedNs - openNs) / 1e6, (firstReadNs - openNs) / 1e6, uptimeMs, count);

        long[] seen = new long[2];
        long iterateNs = System.nanoTime();
        store.forEachObject((name, state) -> {
            seen[0]++;
            seen[1] += state.length;
        });
        iterateNs = System.nanoTime() - iterateNs;
        System.out.printf("iterate  %,d objects (%,d B of states): %.2f s, %,.0f objects/s%n",
                seen[0], seen[1], iterateNs / 1e9, seen[0] / (iterateNs / 1e9));

        Random random = new Random(7);
        long readNs = System.nanoTime();
        long bytes = 0;
        for (int i = 0; i < POINT_READS; i++) {
            bytes += store.object(name(random.nextInt((int) count))).length;
        }
        readNs = System.nanoTime() - readNs;
        System.out.printf("get      %,d random point reads: %.2f µs each (%,d B)%n",
                POINT_READS, readNs / 1e3 / POINT_READS, bytes);
        store.close();
    }

    private static void commits(Path dir, int n) {
        byte[] value = new byte[VALUE_BYTES];
        new Random(1).nextBytes(value);
        for (SyncPolicy policy : SyncPolicy.values()) {
            long[] ns = new long[n];
            try (Store store = Store.open(dir.resolve(policy.name().toLowerCase(Locale.ROOT)),
                    StoreConfig.builder().syncPolicy(policy).build())) {
                for (int i = 0; i < n; i++) {
                    long t = System.nanoTime();
                    store.batch().putObject(name(i % 1000), value).appendDelta(i + 1, value).commit();
                    store.syncIfDue(System.nanoTime());
                    ns[i] = System.nanoTime() - t;
                }
            }
            Arrays.sort(ns);
            System.out.printf("commit   %-8s %,d one-object batches: mean %.1f µs, median %.1f µs, p99 %.1f µs%n",
                    policy, n, Arrays.stream(ns).average().orElse(0) / 1e3, ns[n / 2] / 1e3, ns[n * 99 / 100] / 1e3);
        }
    }

    private static void restartInFreshJvm(Path dir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                StoreRestartReport.class.getName(), "restart", dir.toString()));
        int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("restart JVM exited with " + exit);
        }
    }

    private static void dropPageCache() {
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            System.out.println("cold     page cache dropped");
        } catch (IOException | SecurityException e) {
            System.out.println("cold     could not drop the page cache (" + e.getMessage() + "): warm restart");
        }
    }

    private static long dataFileBytes(Path dir) {
        try {
            return Files.size(dir.resolve("data.mdb"));
        } catch (IOException e) {
            return -1;
        }
    }
}
