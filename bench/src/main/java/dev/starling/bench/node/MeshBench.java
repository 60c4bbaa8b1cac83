package dev.starling.bench.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.MapHandle;
import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.Value;
import dev.starling.node.WriteResult;
import dev.starling.node.fault.Faults;
import dev.starling.node.membership.Member;
import dev.starling.node.membership.MemberStatus;
import dev.starling.node.store.SyncPolicy;
import dev.starling.transport.PeerStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The mesh-core figures, on real nodes in this JVM on loopback (ports picked by the OS, the
 * {@code lan} profile's timings, sync {@code none} unless said otherwise; {@code detect} runs both
 * profiles). Every run is bounded in count and
 * time and closes what it starts.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.MeshBench latency [--nodes 3,5,8] [--samples 1000]
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.MeshBench throughput [--nodes 3] [--seconds 10]
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.MeshBench antientropy [--keys 1000000] [--diverge 10000]
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.MeshBench restart [--keys 1000000]
 * java -cp bench/target/benchmarks.jar dev.starling.bench.node.MeshBench detect
 * </pre>
 */
public final class MeshBench {

    private static final byte[] SECRET = "mesh-bench-secret-0123456789abcdef".getBytes(UTF_8);
    private static final long WAIT_S = 120;

    private MeshBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help")) {
            System.out.println("usage: MeshBench latency|throughput|antientropy|restart|detect [--nodes 3,5,8] "
                + "[--samples N] [--seconds S] [--keys N] [--diverge N] [--rate W/s]");
            return;
        }
        String mode = args[0];
        int[] nodes = intList(opt(args, "--nodes", mode.equals("latency") ? "3,5,8" : "3"));
        switch (mode) {
            case "latency" -> {
                int samples = Integer.parseInt(opt(args, "--samples", "1000"));
                for (int n : nodes) {
                    latency(n, samples, 0);
                    latency(n, samples, Integer.parseInt(opt(args, "--rate", "1000")));
                }
            }
            case "throughput" -> {
                for (int n : nodes) {
                    throughput(n, Integer.parseInt(opt(args, "--seconds", "10")));
                }
            }
            case "antientropy" -> antiEntropy(Integer.parseInt(opt(args, "--keys", "1000000")),
                Integer.parseInt(opt(args, "--diverge", "10000")));
            case "single" -> single(Integer.parseInt(opt(args, "--keys", "200000")));
            case "restart" -> restart(Integer.parseInt(opt(args, "--keys", "1000000")), opt(args, "--dir", null),
                opt(args, "--phase", "both"));
            case "detect" -> detect(nodes[0]);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.exit(0);
    }

    // ---------------------------------------------------------------- propagation latency

    /**
     * Writes {@code samples} puts on node 0, one every 5 ms, and takes for each the time from the
     * call of {@code put} until the change listener of the last other node saw it. With
     * {@code backgroundRate} > 0, every node also writes other keys at a total of that many writes/s.
     */
    static void latency(int n, int samples, int backgroundRate) throws Exception {
        Path dir = Files.createTempDirectory("meshbench");
        Faults faults = new Faults(1);
        List<Node> nodes = startCluster(dir, n, faults, SyncPolicy.NONE);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> background = new ArrayList<>();
        try {
            long[] startNs = new long[samples];
            AtomicLongArray lastSeenNs = new AtomicLongArray(samples);
            AtomicInteger[] seen = new AtomicInteger[samples];
            for (int i = 0; i < samples; i++) {
                seen[i] = new AtomicInteger();
            }
            for (int j = 1; j < n; j++) {
                nodes.get(j).map("latency").subscribe(change -> {
                    String key = change.key();
                    if (key != null && key.startsWith("s")) {
                        int i = Integer.parseInt(key.substring(1));
                        lastSeenNs.accumulateAndGet(i, System.nanoTime(), Math::max);
                        seen[i].incrementAndGet();
                    }
                });
            }
            if (backgroundRate > 0) {
                for (int j = 0; j < n; j++) {
                    Node node = nodes.get(j);
                    long periodNs = 1_000_000_000L * n / backgroundRate;
                    Thread t = new Thread(() -> {
                        MapHandle bg = node.map("background");
                        long next = System.nanoTime();
                        int i = 0;
                        while (!stop.get()) {
                            bg.put("b" + (i++ % 10_000), Value.utf8("payload-" + i));
                            next += periodNs;
                            LockSupport.parkNanos(next - System.nanoTime());
                        }
                    }, "background-" + j);
                    t.setDaemon(true);
                    t.start();
                    background.add(t);
                }
            }
            MapHandle map = nodes.get(0).map("latency");
            Value value = Value.utf8("0123456789abcdef");
            long next = System.nanoTime();
            for (int i = 0; i < samples; i++) {
                startNs[i] = System.nanoTime();
                map.put("s" + i, value);
                next += 5_000_000L;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            int last = samples - 1;
            await(() -> seen[last].get() >= n - 1, "last sample seen everywhere");
            long[] latNs = new long[samples];
            int complete = 0;
            for (int i = 0; i < samples; i++) {
                if (seen[i].get() >= n - 1) {
                    latNs[complete++] = lastSeenNs.get(i) - startNs[i];
                }
            }
            long[] sorted = Arrays.copyOf(latNs, complete);
            Arrays.sort(sorted);
            System.out.printf("latency nodes=%d background=%d/s samples=%d complete=%d p50=%.2f ms p90=%.2f ms "
                    + "p99=%.2f ms max=%.2f ms%n", n, backgroundRate, samples, complete,
                pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
        } finally {
            stop.set(true);
            for (Thread t : background) {
                t.join(5_000);
            }
            closeAll(nodes);
        }
    }

    // ---------------------------------------------------------------- throughput and bytes

    /**
     * Every node writes as fast as it can (at most 4096 writes in flight per node) for
     * {@code seconds}; prints the mesh-wide rate of acknowledged local writes, the time until all
     * digests are equal after the writes stopped, and the data-plane bytes per update per peer.
     */
    private static final int KEYS_PER_WRITER = 200_000;

    /** {@code prefix} and {@code i} in 15 zero-padded decimal digits, as ASCII: {@code v000000000000042}. */
    static byte[] digits16(char prefix, long i) {
        byte[] b = new byte[16];
        b[0] = (byte) prefix;
        long v = i;
        for (int p = 15; p >= 1; p--) {
            b[p] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        return b;
    }

    static void throughput(int n, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("meshbench");
        List<Node> nodes = startCluster(dir, n, new Faults(1), SyncPolicy.valueOf(System.getProperty("sync", "INTERVAL")));
        try {
            long bytesBefore = bytesOut(nodes);
            java.util.Map<String, Long> cpuBefore = cpuByThreadGroup();
            AtomicInteger total = new AtomicInteger();
            long endNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> writers = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                Node node = nodes.get(j);
                int id = j;
                // the keys are made before the clock starts, the values without String.format: the
                // writers share the cores with the nodes, and formatting was 27% of all allocation
                String[] keys = new String[KEYS_PER_WRITER];
                for (int k = 0; k < keys.length; k++) {
                    keys[k] = String.format("n%02d-k%010d", id, k);
                }
                Thread t = new Thread(() -> {
                    MapHandle map = node.map("load");
                    Semaphore window = new Semaphore(4096);
                    int i = 0;
                    while (System.nanoTime() < endNs) {
                        window.acquireUninterruptibly();
                        // 16-byte key, 16-byte value: a small update
                        CompletableFuture<WriteResult> f = map.put(keys[i % KEYS_PER_WRITER], Value.wrap(digits16('v', i)));
                        f.whenComplete((r, e) -> {
                            window.release();
                            if (e == null) {
                                total.incrementAndGet();
                            }
                        });
                        i++;
                    }
                    window.acquireUninterruptibly(4096);
                }, "writer-" + j);
                writers.add(t);
                t.start();
            }
            long startNs = System.nanoTime();
            for (Thread t : writers) {
                t.join(TimeUnit.SECONDS.toMillis(seconds + WAIT_S));
            }
            long writeNs = System.nanoTime() - startNs;
            long stopNs = System.nanoTime();
            await(() -> nodes.stream().map(Node::digest).distinct().count() == 1, "digests equal");
            long convergeNs = System.nanoTime() - stopNs;
            long bytes = bytesOut(nodes) - bytesBefore;
            int updates = total.get();
            System.out.printf("throughput nodes=%d updates=%d rate=%.0f updates/s converged-after-stop=%d ms "
                    + "data-plane-bytes=%d bytes/update/peer=%.1f (payload 32 B: 16 B key + 16 B value)%n",
                n, updates, updates / (writeNs / 1e9), convergeNs / 1_000_000, bytes,
                bytes / (double) updates / (n - 1));
            java.util.Map<String, Long> cpuAfter = cpuByThreadGroup();
            StringBuilder cpu = new StringBuilder("  cpu us/update by thread group:");
            cpuAfter.forEach((group, ns) -> cpu.append(String.format(" %s=%.2f", group,
                (ns - cpuBefore.getOrDefault(group, 0L)) / 1e3 / updates)));
            System.out.println(cpu);
            for (Node node : nodes) {
                System.out.println("  " + node.name() + " " + node.replicationStats());
            }
        } finally {
            closeAll(nodes);
        }
    }

    // ---------------------------------------------------------------- anti-entropy after a partition

    /**
     * Three nodes; {@code keys} keys written on node 0 and replicated everywhere; node 2 is cut off,
     * {@code diverge} keys are overwritten on node 0 (so the two sides differ in exactly those), the
     * partition heals; prints the bytes sent by all nodes from the heal until all digests are equal,
     * and the time that took, next to the size of the divergent data.
     */
    static void antiEntropy(int keys, int diverge) throws Exception {
        Path dir = Files.createTempDirectory("meshbench");
        Faults faults = new Faults(1);
        List<Node> nodes = startCluster(dir, 3, faults, SyncPolicy.NONE);
        try {
            MapHandle map = nodes.get(0).map("big");
            long t0 = System.nanoTime();
            putAll(map, keys, "k%07d", "initial-%07d");
            await(() -> nodes.stream().map(Node::digest).distinct().count() == 1, "initial load replicated");
            System.out.printf("loaded %d keys on 3 nodes in %.1f s%n", keys, (System.nanoTime() - t0) / 1e9);

            faults.isolate(Set.of(nodes.get(2).replicaId()));
            long rawBytes = 0;
            List<String> divergentKeys = new ArrayList<>();
            List<CompletableFuture<WriteResult>> fs = new ArrayList<>();
            for (int i = 0; i < diverge; i++) {
                String key = String.format("k%07d", (int) ((long) i * keys / diverge));
                String value = String.format("diverged-%07d", i);
                rawBytes += key.length() + value.length();
                divergentKeys.add(key);
                fs.add(map.put(key, Value.utf8(value)));
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(WAIT_S, TimeUnit.SECONDS);
            // The divergent data: per key, the key and its register as the CRDT codec encodes it
            // (value, HLC, writer), which is what any replica must receive to hold the new state.
            var registers = new dev.starling.crdt.codec.LwwRegisterCodec<>(dev.starling.node.ValueCodecs.bytes(),
                dev.starling.crdt.codec.DecodeLimits.DEFAULT);
            long divergentBytes = 0;
            for (String key : divergentKeys) {
                divergentBytes += key.getBytes(UTF_8).length + registers.encode(map.entry(key)).length;
            }
            await(() -> nodes.get(0).digest().equals(nodes.get(1).digest()), "majority side converged");
            long bytesBefore = bytesOut(nodes);
            long healNs = System.nanoTime();
            faults.clear();
            await(() -> nodes.stream().map(Node::digest).distinct().count() == 1, "healed");
            long tookNs = System.nanoTime() - healNs;
            long bytes = bytesOut(nodes) - bytesBefore;
            System.out.printf("antientropy keys=%d diverged=%d divergent-data=%d B (keys and encoded registers; "
                    + "keys and values alone %d B) bytes-sent-after-heal=%d B (%.2fx; %.2fx of keys and values) "
                    + "converge=%d ms%n", keys, diverge, divergentBytes, rawBytes, bytes,
                bytes / (double) divergentBytes, bytes / (double) rawBytes, tookNs / 1_000_000);
            for (Node node : nodes) {
                System.out.println("  " + node.name() + " " + node.replicationStats());
            }
        } finally {
            closeAll(nodes);
        }
    }

    // ---------------------------------------------------------------- one node, no peers

    /** Local write rate of one node with no peers (sync none): the agent's cost per write. */
    static void single(int keys) throws Exception {
        Path dir = Files.createTempDirectory("meshbench");
        try (Node node = Node.start(config(dir, "s0", SyncPolicy.NONE, List.of()))) {
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                putAll(node.map("single"), keys, "k%09d", "v%015d");
                long ns = System.nanoTime() - t0;
                System.out.printf("single round=%d writes=%d rate=%.0f writes/s%n", round, keys, keys / (ns / 1e9));
            }
        }
    }

    // ---------------------------------------------------------------- restart

    /**
     * One node with {@code keys} keys, closed and started again: time until the first read is
     * served. {@code --phase write} and {@code --phase read} with one {@code --dir} do the two halves
     * in two JVMs, as a real restart is (the read JVM's figure then excludes only JVM start-up).
     */
    static void restart(int keys, String dirOption, String phase) throws Exception {
        Path dir = dirOption == null ? Files.createTempDirectory("meshbench") : Path.of(dirOption);
        NodeConfig config = config(dir, "r0", SyncPolicy.NONE, List.of());
        if (!phase.equals("read")) {
            try (Node node = Node.start(config)) {
                putAll(node.map("big"), keys, "k%07d", "value-%07d");
            }
        }
        if (phase.equals("write")) {
            return;
        }
        long t0 = System.nanoTime();
        try (Node node = Node.start(config)) {
            Value v = node.map("big").get(String.format("k%07d", keys - 1));
            long readyNs = System.nanoTime() - t0;
            if (v == null) {
                throw new AssertionError("restarted node lost data");
            }
            System.out.printf("restart keys=%d start-to-first-read=%d ms entries=%d%n", keys, readyNs / 1_000_000,
                node.digestEntries());
        }
    }

    // ---------------------------------------------------------------- failure detection

    /** Cuts one node off completely (as a crash looks to the others) and times SUSPECT and DEAD. */
    static void detect(int n) throws Exception {
        for (NodeConfig.Profile profile : NodeConfig.Profile.values()) {
            Path dir = Files.createTempDirectory("meshbench");
            Faults faults = new Faults(1);
            List<Node> nodes = startCluster(dir, Math.max(3, n), faults, SyncPolicy.NONE, profile);
            try {
                Node victim = nodes.get(nodes.size() - 1);
                ReplicaId id = victim.replicaId();
                long t0 = System.nanoTime();
                faults.isolate(Set.of(id));
                long[] suspect = {0};
                await(() -> {
                    MemberStatus s = status(nodes.get(0), id);
                    if (suspect[0] == 0 && s != MemberStatus.ALIVE) {
                        suspect[0] = System.nanoTime() - t0;
                    }
                    return s == null || s == MemberStatus.DEAD;
                }, "victim dead");
                long dead = System.nanoTime() - t0;
                System.out.printf("detect profile=%s nodes=%d not-alive-after=%d ms dead-or-removed-after=%d ms%n",
                    profile, nodes.size(), suspect[0] / 1_000_000, dead / 1_000_000);
            } finally {
                closeAll(nodes);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** CPU time of this JVM's live threads, summed by name with digits removed. */
    private static java.util.Map<String, Long> cpuByThreadGroup() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (long id : mx.getAllThreadIds()) {
            java.lang.management.ThreadInfo info = mx.getThreadInfo(id);
            long ns = mx.getThreadCpuTime(id);
            if (info != null && ns > 0) {
                out.merge(info.getThreadName().replaceAll("[0-9a-f]{6,}|[0-9]+", "#"), ns, Long::sum);
            }
        }
        return out;
    }

    private static MemberStatus status(Node observer, ReplicaId id) {
        for (Member m : observer.members()) {
            if (m.replicaId().equals(id)) {
                return m.status();
            }
        }
        return null;
    }

    private static void putAll(MapHandle map, int keys, String keyFormat, String valueFormat) throws Exception {
        Semaphore window = new Semaphore(8192);
        for (int i = 0; i < keys; i++) {
            window.acquireUninterruptibly();
            map.put(String.format(keyFormat, i), Value.utf8(String.format(valueFormat, i)))
                .whenComplete((r, e) -> window.release());
        }
        if (!window.tryAcquire(8192, WAIT_S, TimeUnit.SECONDS)) {
            throw new IllegalStateException("writes did not complete");
        }
    }

    static long bytesOut(List<Node> nodes) {
        long sum = 0;
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    PeerStats s = a.peerStats(b.replicaId());
                    sum += s == null ? 0 : s.bytesOut();
                }
            }
        }
        return sum;
    }

    static List<Node> startCluster(Path dir, int n, Faults faults, SyncPolicy sync) {
        return startCluster(dir, n, faults, sync, NodeConfig.Profile.LAN);
    }

    static List<Node> startCluster(Path dir, int n, Faults faults, SyncPolicy sync, NodeConfig.Profile profile) {
        return startCluster(dir, n, faults, sync, profile, b -> b);
    }

    /** As above, with {@code customize} applied to every node's config builder (an encoder, say). */
    static List<Node> startCluster(Path dir, int n, Faults faults, SyncPolicy sync, NodeConfig.Profile profile,
                                   java.util.function.UnaryOperator<NodeConfig.Builder> customize) {
        List<Node> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                List<String> seeds = nodes.isEmpty() ? List.of()
                    : List.of("127.0.0.1:" + nodes.get(0).gossipAddress().getPort());
                NodeConfig c = customize.apply(NodeConfig.builder()
                    .name("n" + i).dataDir(dir.resolve("n" + i)).cluster("bench").secret(SECRET)
                    .bindHost("127.0.0.1").gossipPort(0).dataPort(0).seeds(seeds).sync(sync).profile(profile))
                    .build();
                nodes.add(Node.start(c, faults));
            }
            await(() -> nodes.stream().allMatch(x -> x.members().stream()
                .filter(m -> m.status() == MemberStatus.ALIVE).count() == n), "all members alive");
            return nodes;
        } catch (RuntimeException e) {
            closeAll(nodes);
            throw e;
        }
    }

    private static NodeConfig config(Path dir, String name, SyncPolicy sync, List<String> seeds) {
        return NodeConfig.builder().name(name).dataDir(dir.resolve(name)).cluster("bench").secret(SECRET)
            .bindHost("127.0.0.1").gossipPort(0).dataPort(0).seeds(seeds).sync(sync)
            .profile(NodeConfig.Profile.LAN).build();
    }

    static void closeAll(List<Node> nodes) {
        for (Node n : nodes) {
            n.close();
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            LockSupport.parkNanos(200_000);
        }
    }

    static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    static String opt(String[] args, String name, String def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }

    private static int[] intList(String s) {
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
