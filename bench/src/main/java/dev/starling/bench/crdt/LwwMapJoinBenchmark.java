package dev.starling.bench.crdt;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Joining a one-key delta into a large {@link LwwMap} (goal: at most 1 µs on average for 1M keys).
 *
 * <p>The base map is built once per trial and never changes: the map is immutable, so every
 * invocation joins one delta into the same 1M-key base and the measured cost is that of one
 * receive. Each method cycles through a ring of {@value #RING} distinct precomputed deltas (distinct
 * keys spread over the whole trie, so lookups pay realistic cache misses and nothing is constant for
 * the JIT to fold); the joined map is returned, so JMH consumes it. Run it single-threaded (the
 * default): the ring cursor is plain state.
 *
 * <p>Five warm-up iterations of 2 s: with three, the JIT had not settled (the third still drifted
 * down on this project's 2-core reference machine).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar LwwMapJoinBenchmark} (see docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class LwwMapJoinBenchmark {

    /** Number of distinct deltas each method cycles through (a power of two). */
    static final int RING = 1 << 16;

    /** Keys in the base map. */
    @Param("1000000")
    public int size;

    private LwwMap<String, Long> base;
    private LwwMap<String, Long>[] updateDeltas;
    private LwwMap<String, Long>[] insertDeltas;
    private LwwMap<String, Long>[] removeDeltas;
    private int cursor;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        Hlc baseHlc = new Hlc(BenchData.BASE_PHYSICAL_MS, 0, BenchData.REPLICA_A);
        LwwMap<String, Long> m = LwwMap.empty();
        for (int i = 0; i < size; i++) {
            m = m.put(BenchData.key(i), (long) i, baseHlc);
        }
        base = m;

        updateDeltas = new LwwMap[RING];
        insertDeltas = new LwwMap[RING];
        removeDeltas = new LwwMap[RING];
        // Existing keys are picked with a stride coprime to the size, so the ring covers the map
        // evenly; new keys continue the key sequence past the base. Every delta is written by
        // another replica after the base, so it wins (the join really changes the map).
        long stride = 0x9e3779b1L;
        for (int j = 0; j < RING; j++) {
            long existing = Math.floorMod(j * stride, (long) size);
            Hlc hlc = new Hlc(BenchData.BASE_PHYSICAL_MS + 1 + j, j & 3, BenchData.REPLICA_B);
            updateDeltas[j] = base.putDelta(BenchData.keyCopy(existing), -existing, hlc);
            insertDeltas[j] = base.putDelta(BenchData.keyCopy(size + (long) j), (long) j, hlc);
            removeDeltas[j] = base.removeDelta(BenchData.keyCopy(existing), hlc);
        }

        check(base.merge(updateDeltas[1]).size() == size, "update keeps the size");
        check(base.merge(insertDeltas[1]).size() == size + 1, "insert adds a key");
        check(base.merge(removeDeltas[1]).size() == size - 1, "remove deletes a key");
        check(base.merge(removeDeltas[1]).entryCount() == size, "remove keeps a tombstone");
    }

    private int next() {
        int i = cursor;
        cursor = (i + 1) & (RING - 1);
        return i;
    }

    /** A put delta for a key the map holds (the common case: a field is overwritten). */
    @Benchmark
    public LwwMap<String, Long> joinPutExistingKey() {
        return base.merge(updateDeltas[next()]);
    }

    /** A put delta for a key the map does not hold yet. */
    @Benchmark
    public LwwMap<String, Long> joinPutNewKey() {
        return base.merge(insertDeltas[next()]);
    }

    /** A remove delta (a tombstone) for a key the map holds. */
    @Benchmark
    public LwwMap<String, Long> joinRemoveExistingKey() {
        return base.merge(removeDeltas[next()]);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark setup check failed: " + what);
        }
    }
}
