package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * The laws for {@link MvRegister}; model: the siblings are exactly the writes that no later write
 * or clear had in its causal past (the concurrent writes that nothing has overwritten yet), each
 * with its own HLC and value; the context of a converged replica counts each replica's writes.
 */
class MvRegisterLawsTest extends AbstractCrdtLaws<MvRegister<Integer>, MvRegisterLawsTest.Op> {

    sealed interface Op permits Write, Clear {
    }

    record Write(int value) implements Op {
    }

    record Clear() implements Op {
    }

    @Override
    Arbitrary<Op> operations() {
        return Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(0, 5).map(Write::new)),
            Tuple.of(1, Arbitraries.just(new Clear())));
    }

    @Override
    public MvRegister<Integer> bottom() {
        return MvRegister.empty();
    }

    @Override
    public MvRegister<Integer> delta(MvRegister<Integer> state, Op op, Origin origin) {
        return op instanceof Write w ? state.writeDelta(origin.hlc(), w.value()) : state.clearDelta();
    }

    @Override
    public MvRegister<Integer> apply(MvRegister<Integer> state, Op op, Origin origin) {
        return op instanceof Write w ? state.write(origin.hlc(), w.value()) : state.clear();
    }

    @Override
    public void observe(HybridLogicalClock clock, MvRegister<Integer> received) {
        received.siblings().forEach(s -> clock.observe(s.hlc()));
    }

    @Override
    void assertInvariants(MvRegister<Integer> state) {
        assertStoreCoveredByContext(state.store(), state.context());
        for (MvRegister.Sibling<Integer> s : state.siblings()) {
            assertThat(s.dot().replica()).as("a sibling's dot and HLC name the same replica").isEqualTo(s.hlc().replica());
        }
    }

    @Override
    void assertMatchesModel(MvRegister<Integer> converged, List<Event<Op>> events) {
        List<Event<Op>> survivors = notSeenBy(events, e -> e.op() instanceof Write, (w, k) -> true);
        Set<Object> expected = survivors.stream()
            .map(e -> List.of(e.origin().hlc(), ((Write) e.op()).value()))
            .collect(Collectors.toSet());
        Set<Object> actual = converged.siblings().stream()
            .map(s -> List.of(s.hlc(), s.value()))
            .collect(Collectors.toSet());
        assertThat(actual).as("exactly the writes nothing overwrote").isEqualTo(expected);
        assertThat(converged.siblings()).hasSameSizeAs(survivors);
        Integer lww = survivors.stream().max(Comparator.comparing(e -> e.origin().hlc(), LwwRegisterLawsTest.HLC_ORDER))
            .map(e -> ((Write) e.op()).value()).orElse(null);
        assertThat(converged.resolve(Resolvers.lww())).isEqualTo(lww);
        assertThat(converged.context().cloudSize()).isZero();
        assertThat(converged.context().versionVector()).isEqualTo(countByReplica(events, e -> e.op() instanceof Write));
    }
}
