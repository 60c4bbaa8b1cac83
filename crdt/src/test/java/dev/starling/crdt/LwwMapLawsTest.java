package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The laws for {@link LwwMap}; model: each key holds the write with the highest HLC for that key;
 * a key whose last write is a delete is absent but keeps its tombstone.
 */
class LwwMapLawsTest extends AbstractCrdtLaws<LwwMap<String, Integer>, LwwMapLawsTest.Op> {

    sealed interface Op permits Put, Remove {
        String key();
    }

    record Put(String key, Integer value) implements Op {
    }

    record Remove(String key) implements Op {
    }

    @Override
    Arbitrary<Op> operations() {
        Arbitrary<String> key = Arbitraries.of("k0", "k1", "k2", "k3");
        return Arbitraries.frequencyOf(
            Tuple.of(3, Combinators.combine(key, Arbitraries.integers().between(0, 9)).as(Put::new)),
            Tuple.of(1, key.map(Remove::new)));
    }

    @Override
    public LwwMap<String, Integer> bottom() {
        return LwwMap.empty();
    }

    @Override
    public LwwMap<String, Integer> delta(LwwMap<String, Integer> state, Op op, Origin origin) {
        return op instanceof Put p ? state.putDelta(p.key(), p.value(), origin.hlc()) : state.removeDelta(op.key(), origin.hlc());
    }

    @Override
    public LwwMap<String, Integer> apply(LwwMap<String, Integer> state, Op op, Origin origin) {
        return op instanceof Put p ? state.put(p.key(), p.value(), origin.hlc()) : state.remove(op.key(), origin.hlc());
    }

    @Override
    public void observe(HybridLogicalClock clock, LwwMap<String, Integer> received) {
        received.forEachEntry((k, r) -> clock.observe(r.hlc()));
    }

    @Override
    void assertInvariants(LwwMap<String, Integer> state) {
        assertThat(state.size()).as("live count of %s", state).isEqualTo(state.toMap().size());
        state.forEachEntry((k, r) -> assertThat(r.isBottom()).isFalse());
    }

    @Override
    void assertMatchesModel(LwwMap<String, Integer> converged, List<Event<Op>> events) {
        Map<String, Event<Op>> last = new HashMap<>();
        for (Event<Op> e : events) {
            last.merge(e.op().key(), e,
                (a, b) -> LwwRegisterLawsTest.HLC_ORDER.compare(a.origin().hlc(), b.origin().hlc()) >= 0 ? a : b);
        }
        Map<String, Integer> expected = new HashMap<>();
        last.forEach((k, e) -> {
            if (e.op() instanceof Put p) {
                expected.put(k, p.value());
            }
            assertThat(converged.entry(k).hlc()).as("winning HLC of %s", k).isEqualTo(e.origin().hlc());
        });
        assertThat(converged.toMap()).isEqualTo(expected);
        assertThat(converged.size()).isEqualTo(expected.size());
        assertThat(converged.entryCount()).as("one register per key ever written").isEqualTo(last.size());
    }
}
