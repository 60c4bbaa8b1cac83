package dev.starling.bench.transport;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Command-line options of {@link TransportBench}; every option has a bounded default. */
final class BenchOptions {

    /** How a consumer thread waits when {@code poll} returned nothing. */
    enum Idle {
        /** Busy-spin with {@link Thread#onSpinWait()}. */
        SPIN,
        /** {@link Thread#yield()} (sched_yield): gives the core to any runnable thread. */
        YIELD,
        /** Spin a little, then yield, then park 50 us: cheap when idle for long. */
        BACKOFF
    }

    String mode = "all";
    boolean baseline = true;
    boolean starling = true;
    int runs = 5;
    int warmupRuns = 2;
    long messages = 5_000_000;
    long warmupMessages = 1_000_000;
    int rttSamples = 50_000;
    int rttWarmupSamples = 20_000;
    int payloadBytes = 64;
    int messageType = 1;
    int inlineType = 2;
    int flushEvery = 256;
    int ioThreads = TransportConfig.lan(new ReplicaId(1), "x", "0123456789abcdef".getBytes(StandardCharsets.US_ASCII))
        .build().ioThreads();
    boolean epoll = true;
    Idle idle = Idle.YIELD;
    int pollLimit = 1024;
    long timeoutSeconds = 120;
    boolean leakDetection = false;
    boolean threadCpu = false;

    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--mode" -> o.mode = value(args, ++i, a);
                case "--only" -> {
                    String who = value(args, ++i, a);
                    o.baseline = who.equals("baseline");
                    o.starling = who.equals("starling");
                    if (!o.baseline && !o.starling) {
                        throw new IllegalArgumentException("--only must be baseline or starling");
                    }
                }
                case "--runs" -> o.runs = Integer.parseInt(value(args, ++i, a));
                case "--warmup-runs" -> o.warmupRuns = Integer.parseInt(value(args, ++i, a));
                case "--messages" -> o.messages = Long.parseLong(value(args, ++i, a));
                case "--warmup-messages" -> o.warmupMessages = Long.parseLong(value(args, ++i, a));
                case "--rtt-samples" -> o.rttSamples = Integer.parseInt(value(args, ++i, a));
                case "--rtt-warmup-samples" -> o.rttWarmupSamples = Integer.parseInt(value(args, ++i, a));
                case "--payload" -> o.payloadBytes = Integer.parseInt(value(args, ++i, a));
                case "--type" -> o.messageType = Integer.parseInt(value(args, ++i, a));
                case "--inline-type" -> o.inlineType = Integer.parseInt(value(args, ++i, a));
                case "--flush-every" -> o.flushEvery = Integer.parseInt(value(args, ++i, a));
                case "--io-threads" -> o.ioThreads = Integer.parseInt(value(args, ++i, a));
                case "--nio" -> o.epoll = false;
                case "--idle" -> o.idle = Idle.valueOf(value(args, ++i, a).toUpperCase(Locale.ROOT));
                case "--poll-limit" -> o.pollLimit = Integer.parseInt(value(args, ++i, a));
                case "--timeout-s" -> o.timeoutSeconds = Long.parseLong(value(args, ++i, a));
                case "--leak-detection" -> o.leakDetection = true;
                case "--thread-cpu" -> o.threadCpu = true;
                case "-h", "--help" -> {
                    usage();
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
            }
        }
        if (!o.mode.equals("all") && !o.mode.equals("throughput") && !o.mode.equals("rtt")) {
            throw new IllegalArgumentException("--mode must be all, throughput or rtt");
        }
        if (o.runs < 1 || o.warmupRuns < 0 || o.messages < 1 || o.warmupMessages < 1 || o.rttSamples < 1
            || o.rttWarmupSamples < 0 || o.flushEvery < 1 || o.ioThreads < 1 || o.pollLimit < 1
            || o.timeoutSeconds < 1) {
            throw new IllegalArgumentException("counts must be positive");
        }
        if (o.messageType < 1 || o.messageType > TransportConfig.MAX_MESSAGE_TYPE || o.inlineType < 1
            || o.inlineType > TransportConfig.MAX_MESSAGE_TYPE || o.inlineType == o.messageType) {
            throw new IllegalArgumentException("--type and --inline-type must be two different types 1..65535");
        }
        if (o.payloadBytes < 8 || o.payloadBytes > 64 * 1024) {
            throw new IllegalArgumentException("--payload must be 8..65536 (the first 8 bytes carry a sequence number)");
        }
        if (o.messages > 1_000_000_000L || o.runs > 100 || o.rttSamples > 10_000_000) {
            throw new IllegalArgumentException("refusing unbounded work: at most 1e9 messages, 100 runs, 1e7 samples");
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static void usage() {
        System.out.println("""
            usage: java -cp bench/target/benchmarks.jar dev.starling.bench.transport.TransportBench [options]
              --mode all|throughput|rtt   what to measure (default all)
              --only baseline|starling    measure one contender only (for profiling; no ratios)
              --runs N                    measured runs per figure and contender (default 5)
              --warmup-runs N             warmup runs before them (default 2)
              --messages N                messages per measured throughput run (default 5000000)
              --warmup-messages N         messages per warmup throughput run (default 1000000)
              --rtt-samples N             round trips per measured RTT run (default 50000)
              --rtt-warmup-samples N      round trips per warmup RTT run (default 20000)
              --payload N                 payload bytes (default 64)
              --type N                    Starling message type, polled delivery (default 1: a 1-byte varint)
              --inline-type N             Starling message type of the inline RTT contenders (default 2)
              --flush-every N             baseline writer flushes every N messages (default 256)
              --io-threads N              event loop threads per side, both contenders (default: Transport default)
              --nio                       use NIO even when epoll is available (both contenders)
              --idle spin|yield|backoff   how the consumer threads wait for messages (default yield)
              --poll-limit N              messages per Transport.poll call (default 1024)
              --timeout-s N               abort a run that takes longer (default 120)
              --thread-cpu                print the CPU each thread used in each run (profiling aid)
              --leak-detection            keep Netty's default (SIMPLE) leak detection on (default: disabled)
            """);
    }

    @Override
    public String toString() {
        return "mode=" + mode + (baseline && starling ? "" : " only=" + (baseline ? "baseline" : "starling")) + " runs=" + runs + " warmupRuns=" + warmupRuns + " messages=" + messages
            + " warmupMessages=" + warmupMessages + " rttSamples=" + rttSamples + " rttWarmupSamples="
            + rttWarmupSamples + " payload=" + payloadBytes + " type=" + messageType + " inlineType=" + inlineType + " flushEvery=" + flushEvery
            + " ioThreads=" + ioThreads + " epoll=" + epoll + " idle=" + idle.name().toLowerCase(Locale.ROOT)
            + " pollLimit=" + pollLimit + " timeoutS=" + timeoutSeconds + " leakDetection=" + leakDetection;
    }
}
