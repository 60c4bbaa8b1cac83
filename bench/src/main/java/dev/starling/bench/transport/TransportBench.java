package dev.starling.bench.transport;

import com.google.protobuf.CodedOutputStream;
import dev.starling.transport.PeerStats;
import dev.starling.transport.TransportConfig;
import io.netty.channel.epoll.Epoll;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.Version;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Starling transport vs. a bare Netty baseline on 127.0.0.1, measured in the same JVM and run:
 * one-way throughput of small messages, request/response round trip, and the bytes of framing and
 * envelope per batched message. Prints one line per run and a summary table. The round trip has
 * two Starling contenders: the default (polled) delivery, through application threads, and inline
 * delivery, on the event loops like the baseline (see {@link StarlingPair}).
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar dev.starling.bench.transport.TransportBench [--help]
 * </pre>
 *
 * Everything it starts (event loop groups, transports, consumer threads) it stops before exiting.
 * Runs are bounded by counts and by {@code --timeout-s}; the baseline and Starling runs alternate
 * so that drift of the machine hits both alike.
 */
public final class TransportBench {

    private final BenchOptions o;
    private final List<String[]> table = new ArrayList<>();
    private String rttOverhead;

    private TransportBench(BenchOptions o) {
        this.o = o;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            BenchOptions.usage();
            System.exit(2);
            return;
        }
        if (!o.leakDetection) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        Meter.perThread = o.threadCpu;
        new TransportBench(o).run();
    }

    private void run() throws Exception {
        printEnvironment();
        if (!o.mode.equals("rtt")) {
            throughput();
        }
        if (!o.mode.equals("throughput")) {
            roundTrip();
        }
        printTable();
    }

    // ---------------------------------------------------------------- throughput and overhead

    private void throughput() throws Exception {
        System.out.printf(Locale.ROOT, "%n== throughput: %d-byte messages one way, %d warmup x %d + %d measured x %d ==%n",
            o.payloadBytes, o.warmupRuns, o.warmupMessages, o.runs, o.messages);
        double[] base = new double[o.baseline ? o.runs : 0];
        double[] star = new double[o.starling ? o.runs : 0];
        double[] overhead = new double[star.length];
        double[] batch = new double[star.length];
        long frames = 0;
        long messages = 0;
        try (NettyBaseline baseline = o.baseline ? new NettyBaseline(o) : null;
             StarlingPair starling = o.starling ? new StarlingPair(o, false) : null) {
            for (int i = 0; i < o.warmupRuns; i++) {
                if (baseline != null) {
                    baselineThroughput(baseline, o.warmupMessages, "warmup " + (i + 1));
                }
                if (starling != null) {
                    starlingThroughput(starling, o.warmupMessages, "warmup " + (i + 1), null);
                }
            }
            for (int i = 0; i < o.runs; i++) {
                if (baseline != null) {
                    base[i] = baselineThroughput(baseline, o.messages, "run " + (i + 1));
                }
                if (starling != null) {
                    long[] counters = new long[3];
                    star[i] = starlingThroughput(starling, o.messages, "run " + (i + 1), counters);
                    overhead[i] = (double) counters[0] / counters[1] - o.payloadBytes;
                    batch[i] = (double) counters[1] / counters[2];
                    messages += counters[1];
                    frames += counters[2];
                }
            }
            Summary b = Summary.of(base);
            Summary s = Summary.of(star);
            double ratio = s.mean / b.mean;
            boolean met = s.mean >= 1_000_000 && ratio >= 0.70;
            table.add(new String[] {"throughput, " + o.payloadBytes + " B one way [msg/s]", b.format("%,.0f"),
                s.format("%,.0f"), String.format(Locale.ROOT, "%.2f", ratio), ">= 1,000,000 and >= 0.70 x",
                met ? "yes" : "NO"});
            if (starling == null) {
                return;
            }
            Summary ov = Summary.of(overhead);
            Summary bt = Summary.of(batch);
            TransportConfig cfg = starling.senderConfig();
            int entry = entryOverhead(o.messageType, o.payloadBytes);
            double meanBatch = (double) messages / frames;
            double theory = entry + frameOverhead(meanBatch, o.messageType, o.payloadBytes) / meanBatch;
            int full = fullBatch(cfg, o.messageType, o.payloadBytes);
            double theoryFull = entry + frameOverhead(full, o.messageType, o.payloadBytes) / full;
            System.out.printf(Locale.ROOT, "overhead: measured %s B/msg at %s msg/frame; theory %.2f B/msg at %.1f msg/frame"
                    + " (%d per entry + %.1f per frame); full batch %d msg/frame -> %.2f B/msg; 1 msg/frame -> %.0f B/msg%n",
                ov.format("%.3f"), bt.format("%.1f"), theory, meanBatch, entry,
                frameOverhead(meanBatch, o.messageType, o.payloadBytes), full, theoryFull,
                entry + frameOverhead(1, o.messageType, o.payloadBytes));
            table.add(new String[] {"overhead per batched " + o.payloadBytes + " B msg [B]", "4 (length prefix, 1 msg/frame)",
                ov.format("%.2f") + String.format(Locale.ROOT, " @ %.0f msg/frame (theory %.2f)", meanBatch, theory),
                "", "<= 12", ov.max <= 12 ? "yes" : "NO"});
        }
    }

    private double baselineThroughput(NettyBaseline baseline, long n, String label) throws Exception {
        Meter m = Meter.start();
        long nanos = baseline.throughput(n, o.timeoutSeconds);
        double rate = n * 1e9 / nanos;
        System.out.printf(Locale.ROOT, "  baseline %-9s %,12.0f msg/s  %7.1f ms  %s%n", label, rate, nanos / 1e6, m.stop(n));
        return rate;
    }

    private double starlingThroughput(StarlingPair starling, long n, String label, long[] counters) throws Exception {
        PeerStats ps = starling.senderStats();
        long bytes0 = ps.bytesOut();
        long msgs0 = ps.messagesOut();
        long frames0 = ps.framesOut();
        Meter m = Meter.start();
        StarlingPair.Throughput t = starling.throughput(n);
        String meter = m.stop(n);
        long bytes = ps.bytesOut() - bytes0;
        long msgs = ps.messagesOut() - msgs0;
        long frames = ps.framesOut() - frames0;
        if (msgs != n) {
            throw new IllegalStateException("starling: " + msgs + " messages out, expected " + n);
        }
        double rate = n * 1e9 / t.nanos();
        System.out.printf(Locale.ROOT, "  starling %-9s %,12.0f msg/s  %7.1f ms  %s%s  frames=%d (%.1f msg/frame)"
                + " wire=%.2f B/msg retries=%d%n",
            label, rate, t.nanos() / 1e6, meter, o.threadCpu ? String.format(Locale.ROOT, " bench-consumer-B=%.0f",
                (double) t.consumerCpuNanos() / n) : "", frames, (double) msgs / frames, (double) bytes / msgs, t.retries());
        if (counters != null) {
            counters[0] = bytes;
            counters[1] = msgs;
            counters[2] = frames;
        }
        return rate;
    }

    // ---------------------------------------------------------------- round trip

    private void roundTrip() throws Exception {
        System.out.printf(Locale.ROOT, "%n== round trip: %d-byte request and response, one outstanding, %d warmup x %d"
            + " + %d measured x %d ==%n", o.payloadBytes, o.warmupRuns, o.rttWarmupSamples, o.runs, o.rttSamples);
        System.out.println("   baseline   bare Netty, echo and next request on the event loops");
        System.out.println("   threaded   bare Netty through an application thread on each side (info)");
        System.out.println("   polled     Starling, default delivery: send from / poll on an application thread on each side");
        System.out.println("   inline     Starling, inline delivery on both sides: echo and next request on the event loops");
        System.out.println("   inl-app    Starling, inline delivery; requests sent by, replies handed to, an application thread (info)");
        int n = o.runs;
        double[][] base = new double[3][o.baseline ? n : 0];
        double[][] threaded = new double[3][o.baseline ? n : 0];
        double[][] polled = new double[3][o.starling ? n : 0];
        double[][] inline = new double[3][o.starling ? n : 0];
        double[][] inlineApp = new double[3][o.starling ? n : 0];
        try (NettyBaseline baseline = o.baseline ? new NettyBaseline(o) : null;
             StarlingPair starling = o.starling ? new StarlingPair(o, false) : null;
             StarlingPair inlinePair = o.starling ? new StarlingPair(o, true) : null) {
            long[] warm = new long[Math.max(1, o.rttWarmupSamples)];
            for (int i = 0; i < o.warmupRuns && o.rttWarmupSamples > 0; i++) {
                rttRound(baseline, starling, inlinePair, warm, "warmup " + (i + 1), null, 0);
            }
            long[] samples = new long[o.rttSamples];
            PeerStats ps = starling == null ? null : starling.senderStats();
            long bytes0 = ps == null ? 0 : ps.bytesOut();
            long msgs0 = ps == null ? 0 : ps.messagesOut();
            long frames0 = ps == null ? 0 : ps.framesOut();
            for (int i = 0; i < n; i++) {
                rttRound(baseline, starling, inlinePair, samples, "run " + (i + 1),
                    new double[][][] {base, threaded, polled, inline, inlineApp}, i);
            }
            if (ps != null) {
                long msgs = ps.messagesOut() - msgs0;
                double perMsg = (double) (ps.bytesOut() - bytes0) / msgs - o.payloadBytes;
                double perFrame = (double) msgs / (ps.framesOut() - frames0);
                System.out.printf(Locale.ROOT, "overhead A->B during the measured round trips: %.2f B/msg at %.2f msg/frame%n",
                    perMsg, perFrame);
                rttOverhead = String.format(Locale.ROOT, "%.2f @ %.0f msg/frame", perMsg, perFrame);
            }
        }
        String[] names = {"p50", "p99", "p99.9"};
        for (int q = 0; q < names.length; q++) {
            rttRow("round trip " + names[q] + " [us], Starling inline", base[q], inline[q], q == 1);
        }
        for (int q = 0; q < names.length; q++) {
            rttRow("round trip " + names[q] + " [us], Starling polled", base[q], polled[q], q == 1);
        }
        if (rttOverhead != null) {
            table.add(new String[] {"  info: overhead per " + o.payloadBytes + " B msg, 1 outstanding [B]",
                "4 (length prefix)", rttOverhead, "", "(none: nothing to batch)", ""});
        }
        for (int q = 0; q < names.length; q++) {
            rttRow("  info: round trip " + names[q] + " [us], Starling inline, app thread on A", base[q], inlineApp[q],
                false);
        }
        for (int q = 0; q < names.length; q++) {
            Summary t = Summary.of(threaded[q]);
            Summary s = Summary.of(polled[q]);
            table.add(new String[] {"  info: round trip " + names[q] + " [us], Starling polled vs Netty via app threads",
                t.format("%.1f"), s.format("%.1f"), String.format(Locale.ROOT, "%.2f", s.mean / t.mean), "(none)", ""});
        }
    }

    /** One run of each round-trip contender, in a fixed order; {@code into} null for warmups. */
    private void rttRound(NettyBaseline baseline, StarlingPair polled, StarlingPair inline, long[] samples, String label,
            double[][][] into, int run) throws Exception {
        if (baseline != null) {
            Meter m = Meter.start();
            baseline.roundTrips(samples, o.timeoutSeconds);
            report("baseline", label, samples, into == null ? null : into[0], run, m.stop(samples.length));
            m = Meter.start();
            baseline.roundTripsThreaded(samples, o.idle, o.timeoutSeconds);
            report("threaded", label, samples, into == null ? null : into[1], run, m.stop(samples.length));
        }
        if (polled != null) {
            Meter m = Meter.start();
            polled.roundTrips(samples);
            report("polled", label, samples, into == null ? null : into[2], run, m.stop(samples.length));
        }
        if (inline != null) {
            Meter m = Meter.start();
            inline.roundTripsInline(samples);
            report("inline", label, samples, into == null ? null : into[3], run, m.stop(samples.length));
            m = Meter.start();
            inline.roundTripsInlineFromApp(samples);
            report("inl-app", label, samples, into == null ? null : into[4], run, m.stop(samples.length));
        }
    }

    private void rttRow(String figure, double[] base, double[] starling, boolean goal) {
        Summary b = Summary.of(base);
        Summary s = Summary.of(starling);
        double ratio = s.mean / b.mean;
        table.add(new String[] {figure, b.format("%.1f"), s.format("%.1f"), String.format(Locale.ROOT, "%.2f", ratio),
            goal ? "<= 1.5 x" : "(none)", goal ? (ratio <= 1.5 ? "yes" : "NO") : ""});
    }

    private static void report(String who, String label, long[] samples, double[][] into, int run, String meter) {
        long[] s = Summary.sortedCopy(samples);
        long p50 = Summary.percentile(s, 0.50);
        long p99 = Summary.percentile(s, 0.99);
        long p999 = Summary.percentile(s, 0.999);
        System.out.printf(Locale.ROOT, "  %-8s %-9s p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  max %8.1f us  %s%n",
            who, label, p50 / 1e3, p99 / 1e3, p999 / 1e3, s[s.length - 1] / 1e3, meter.replace("/msg", "/rtt"));
        if (into != null) {
            into[0][run] = p50 / 1e3;
            into[1][run] = p99 / 1e3;
            into[2][run] = p999 / 1e3;
        }
    }

    // ---------------------------------------------------------------- encoding arithmetic

    /** Bytes a message entry adds beyond its payload: tag + length of the entry, type field, payload tag + length. */
    static int entryOverhead(int type, int payload) {
        int body = 1 + CodedOutputStream.computeUInt32SizeNoTag(type) + 1 + CodedOutputStream.computeUInt32SizeNoTag(payload)
            + payload;
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(body) + body - payload;
    }

    /** Bytes of one batch frame beyond its entries: 4-byte length, frame tag + batch length, version, sender. */
    static double frameOverhead(double messagesPerFrame, int type, int payload) {
        int entry = entryOverhead(type, payload) + payload;
        int header = 1 + CodedOutputStream.computeUInt32SizeNoTag(TransportConfig.MAX_PROTOCOL_VERSION) + 1 + 8;
        int batchBody = header + (int) Math.round(messagesPerFrame * entry);
        return 4 + 1 + CodedOutputStream.computeUInt32SizeNoTag(batchBody) + header;
    }

    /** Messages in a full batch under the sender's limits (the drain closes a batch before it would exceed them). */
    static int fullBatch(TransportConfig cfg, int type, int payload) {
        int entry = entryOverhead(type, payload) + payload;
        return Math.max(1, Math.min(cfg.maxBatchMessages(), cfg.maxBatchBytes() / entry));
    }

    // ---------------------------------------------------------------- output

    private void printEnvironment() {
        System.out.println("Starling transport benchmark (TransportBench)");
        System.out.println("date (UTC):  " + Instant.now());
        System.out.println("machine:     " + Runtime.getRuntime().availableProcessors() + " CPUs, " + cpuModel() + ", "
            + memTotal() + " RAM");
        System.out.println("os:          " + osRelease() + ", " + System.getProperty("os.name") + " "
            + System.getProperty("os.version") + " " + System.getProperty("os.arch") + ", load average " + loadAverage());
        System.out.println("java:        " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
            + ", GC " + gcNames() + ", max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        System.out.println("jvm args:    " + ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("netty:       " + nettyVersion() + ", transport "
            + (o.epoll && Epoll.isAvailable() ? "epoll" : "NIO") + ", " + o.ioThreads + " event loop threads per side"
            + ", leak detection " + ResourceLeakDetector.getLevel());
        System.out.println("options:     " + o);
    }

    private void printTable() {
        String[] header = {"figure", "bare Netty baseline: mean [min..max]", "Starling: mean [min..max]",
            "Starling/base", "goal", "met"};
        int[] w = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            w[c] = header[c].length();
            for (String[] row : table) {
                w[c] = Math.max(w[c], row[c].length());
            }
        }
        System.out.println();
        System.out.println("== summary (" + o.runs + " measured runs each) ==");
        printRow(header, w);
        String[] rule = new String[header.length];
        for (int c = 0; c < header.length; c++) {
            rule[c] = "-".repeat(w[c]);
        }
        printRow(rule, w);
        for (String[] row : table) {
            printRow(row, w);
        }
        double[] others = Meter.OTHERS.stream().filter(d -> !Double.isNaN(d)).mapToDouble(Double::doubleValue).toArray();
        if (others.length > 0) {
            System.out.println("other processes on the machine used " + Summary.of(others).format("%.2f")
                + " cores during the runs (of " + Runtime.getRuntime().availableProcessors() + ")");
        }
    }

    private static void printRow(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder("| ");
        for (int c = 0; c < cells.length; c++) {
            sb.append(String.format(Locale.ROOT, "%-" + w[c] + "s", cells[c])).append(" | ");
        }
        System.out.println(sb.toString().stripTrailing());
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown CPU";
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown";
    }

    private static String osRelease() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown OS";
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String nettyVersion() {
        Version v = Version.identify().get("netty-transport");
        if (v == null) {
            v = Version.identify().values().stream().findFirst().orElse(null);
        }
        return v == null ? "netty (version unknown)" : v.artifactId() + " " + v.artifactVersion();
    }

    private static String gcNames() {
        List<String> names = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            names.add(gc.getName());
        }
        return String.join("+", names);
    }

    /**
     * Process CPU time and GC activity over one run, and the CPU that other processes of the machine
     * used meanwhile (the utime+stime growth of every other process in /proc, so processes that both
     * start and end within a run are missed), in cores: on a 2-core machine anything else running
     * skews the figures, so every run says how busy the rest was.
     */
    private static final class Meter {
        private static final double NS_PER_TICK = 1e9 / 100; // USER_HZ is 100 on Linux
        /** Other processes' CPU (cores) in every run metered so far, warmups included. */
        static final List<Double> OTHERS = new ArrayList<>();
        private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        static boolean perThread;
        private final java.util.Map<Long, Long> threadCpu0 = new java.util.HashMap<>();
        private final long cpu0;
        private final long gcCount0;
        private final long gcMs0;
        private final java.util.Map<Long, Long> othersTicks0;
        private final long wall0;

        private Meter(long cpu, long gcCount, long gcMs, java.util.Map<Long, Long> othersTicks, long wall) {
            this.cpu0 = cpu;
            this.gcCount0 = gcCount;
            this.gcMs0 = gcMs;
            this.othersTicks0 = othersTicks;
            this.wall0 = wall;
            if (perThread) {
                for (long id : THREADS.getAllThreadIds()) {
                    threadCpu0.put(id, THREADS.getThreadCpuTime(id));
                }
            }
        }

        static Meter start() {
            return new Meter(cpuNanos(), gcCount(), gcMillis(), othersTicks(), System.nanoTime());
        }

        String stop(long messages) {
            long wall = System.nanoTime() - wall0;
            long cpu = cpuNanos() - cpu0;
            java.util.Map<Long, Long> now = othersTicks();
            double othersCores = Double.NaN;
            if (now != null && othersTicks0 != null) {
                long ticks = 0;
                for (java.util.Map.Entry<Long, Long> e : now.entrySet()) {
                    ticks += Math.max(0, e.getValue() - othersTicks0.getOrDefault(e.getKey(), 0L));
                }
                othersCores = ticks * NS_PER_TICK / wall;
            }
            OTHERS.add(othersCores);
            String others = Double.isNaN(othersCores) ? "?" : String.format(Locale.ROOT, "%.2f", othersCores);
            return String.format(Locale.ROOT, "cpu %6.0f ns/msg (%.2f cores)  gc %3d (%4d ms)  others %s cores",
                (double) cpu / messages, (double) cpu / wall, gcCount() - gcCount0, gcMillis() - gcMs0, others)
                + (perThread ? threadCpu(wall, messages) : "");
        }

        /** CPU of each thread that used over 1% of the run, in ns per message (threads that ended during the run are missed). */
        private String threadCpu(long wall, long messages) {
            StringBuilder sb = new StringBuilder("\n      thread cpu ns/msg:");
            java.util.Map<String, Double> byName = new java.util.TreeMap<>();
            for (java.lang.management.ThreadInfo ti : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
                if (ti == null) {
                    continue;
                }
                long now = THREADS.getThreadCpuTime(ti.getThreadId());
                long used = now - Math.max(0, threadCpu0.getOrDefault(ti.getThreadId(), 0L));
                if (now > 0 && used > wall / 100) {
                    byName.merge(ti.getThreadName(), (double) used / messages, Double::sum);
                }
            }
            byName.forEach((n, c) -> sb.append(String.format(Locale.ROOT, " %s=%.0f", n, c)));
            return sb.toString();
        }

        /** utime+stime ticks of every process but this one, by pid, or null when /proc is not there. */
        private static java.util.Map<Long, Long> othersTicks() {
            long self = ProcessHandle.current().pid();
            java.util.Map<Long, Long> ticks = new java.util.HashMap<>();
            try (java.nio.file.DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path p : dir) {
                    long pid = Long.parseLong(p.getFileName().toString());
                    if (pid == self) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    } catch (IOException | RuntimeException e) {
                        // the process ended meanwhile
                    }
                }
                return ticks;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static long cpuNanos() {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getProcessCpuTime();
            }
            return 0;
        }

        private static long gcCount() {
            long n = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                n += Math.max(0, gc.getCollectionCount());
            }
            return n;
        }

        private static long gcMillis() {
            long n = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                n += Math.max(0, gc.getCollectionTime());
            }
            return n;
        }
    }
}
