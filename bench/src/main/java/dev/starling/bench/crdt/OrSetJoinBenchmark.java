package dev.starling.bench.crdt;

import dev.starling.crdt.OrSet;
import dev.starling.crdt.ReplicaId;
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
 * Joining a one-element delta into a large {@link OrSet} (goal: at most 1 µs on average for 1M
 * elements).
 *
 * <p>The base set is built once per trial by three replicas taking turns, each add being a delta
 * joined into the set, so its causal context is a realistic three-entry version vector. The set is
 * immutable: every invocation joins one delta into the same base. Each method cycles through a ring
 * of {@value #RING} distinct precomputed deltas and returns the joined set, so JMH consumes it.
 *
 * <p>{@link #joinAddNewElementWithoutIndex()} joins the same add deltas stripped of their
 * key-complete index ({@code DotMap.removedKeys}), which forces the general join of [Almeida et al.]
 * that visits every element of the base: it shows what the fast path saves. It takes milliseconds,
 * so it has its own, shorter, settings.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar OrSetJoinBenchmark} (see docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class OrSetJoinBenchmark {

    /** Number of distinct deltas each method cycles through (a power of two). */
    static final int RING = 1 << 16;

    /** Elements in the base set. */
    @Param("1000000")
    public int size;

    private OrSet<String> base;
    private OrSet<String>[] addNewDeltas;
    private OrSet<String>[] reAddDeltas;
    private OrSet<String>[] removeDeltas;
    private OrSet<String>[] addNewWithoutIndex;
    private int cursor;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        ReplicaId[] replicas = BenchData.REPLICAS;
        OrSet<String> s = OrSet.empty();
        for (int i = 0; i < size; i++) {
            s = s.merge(s.addDelta(replicas[i % 3], BenchData.key(i)));
        }
        base = s;

        addNewDeltas = new OrSet[RING];
        reAddDeltas = new OrSet[RING];
        removeDeltas = new OrSet[RING];
        addNewWithoutIndex = new OrSet[RING];
        // Every delta is made against the base, as the next event of one of the three replicas
        // (several ring entries therefore share a dot; each is joined into the base alone, so each
        // join is a valid one). Existing elements are picked with a stride coprime to the size; a
        // re-add comes from another replica than the element's add, as after a concurrent edit.
        long stride = 0x9e3779b1L;
        for (int j = 0; j < RING; j++) {
            int existing = (int) Math.floorMod(j * stride, (long) size);
            addNewDeltas[j] = base.addDelta(replicas[j % 3], BenchData.keyCopy(size + (long) j));
            reAddDeltas[j] = base.addDelta(replicas[(existing + 1) % 3], BenchData.keyCopy(existing));
            removeDeltas[j] = base.removeDelta(BenchData.keyCopy(existing));
            addNewWithoutIndex[j] = OrSet.of(addNewDeltas[j].store().asState(), addNewDeltas[j].context());
        }

        LwwMapJoinBenchmark.check(base.context().versionVectorSize() == 3 && base.context().cloudSize() == 0,
            "base context is a 3-entry version vector");
        LwwMapJoinBenchmark.check(addNewDeltas[1].store().isKeyComplete(), "add delta is key-complete");
        LwwMapJoinBenchmark.check(!addNewWithoutIndex[1].store().isKeyComplete(), "stripped delta is not");
        LwwMapJoinBenchmark.check(base.merge(addNewDeltas[1]).size() == size + 1, "add adds an element");
        LwwMapJoinBenchmark.check(base.merge(reAddDeltas[1]).size() == size, "re-add keeps the size");
        LwwMapJoinBenchmark.check(base.merge(reAddDeltas[1]).store().get(BenchData.key(stride % size)).size() == 1,
            "re-add replaces the element's dot");
        LwwMapJoinBenchmark.check(base.merge(removeDeltas[1]).size() == size - 1, "remove removes an element");
        LwwMapJoinBenchmark.check(base.merge(addNewWithoutIndex[1]).equals(base.merge(addNewDeltas[1])),
            "both joins agree");
    }

    private int next() {
        int i = cursor;
        cursor = (i + 1) & (RING - 1);
        return i;
    }

    /** An add delta of an element the set does not hold. */
    @Benchmark
    public OrSet<String> joinAddNewElement() {
        return base.merge(addNewDeltas[next()]);
    }

    /** An add delta of an element the set holds (its old dot is replaced by the new one). */
    @Benchmark
    public OrSet<String> joinReAddExistingElement() {
        return base.merge(reAddDeltas[next()]);
    }

    /** A remove delta of an element the set holds. */
    @Benchmark
    public OrSet<String> joinRemoveExistingElement() {
        return base.merge(removeDeltas[next()]);
    }

    /** The add delta of {@link #joinAddNewElement()} without its key-complete index: the general join. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
    @Warmup(iterations = 2, time = 2, timeUnit = TimeUnit.SECONDS)
    @Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
    public OrSet<String> joinAddNewElementWithoutIndex() {
        return base.merge(addNewWithoutIndex[next()]);
    }
}
