package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The laws for {@link OrSet}, its add-wins model, its metadata bound, and the key-complete delta
 * fast path of {@link DotMap}.
 *
 * <p>Model: element {@code e} is in the set exactly when some add of {@code e} is not in the causal
 * past of any remove of {@code e} (with causal pasts as {@link ReplicaSimulation} tracks them). The store holds one dot per add of {@code e} that no later
 * operation on {@code e} (add or remove) has seen, and nothing for removed elements; the context of
 * a converged replica is a version vector counting each replica's adds, with an empty dot cloud.
 */
class OrSetLawsTest extends AbstractCrdtLaws<OrSet<String>, OrSetLawsTest.Op> {

    sealed interface Op permits Add, Remove {
        String element();
    }

    record Add(String element) implements Op {
    }

    record Remove(String element) implements Op {
    }

    @Override
    Arbitrary<Op> operations() {
        Arbitrary<String> element = Arbitraries.of("a", "b", "c", "d", "e");
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, element.map(Add::new)),
            net.jqwik.api.Tuple.of(2, element.map(Remove::new)));
    }

    @Override
    public OrSet<String> bottom() {
        return OrSet.empty();
    }

    @Override
    public OrSet<String> delta(OrSet<String> state, Op op, Origin origin) {
        return op instanceof Add ? state.addDelta(origin.replica(), op.element()) : state.removeDelta(op.element());
    }

    @Override
    public OrSet<String> apply(OrSet<String> state, Op op, Origin origin) {
        return op instanceof Add ? state.add(origin.replica(), op.element()) : state.remove(op.element());
    }

    /** The delta of an operation on {@code e} carries the history of {@code e} only. */
    @Override
    public boolean carries(Op op, Op known) {
        return op.element().equals(known.element());
    }

    @Override
    void assertInvariants(OrSet<String> state) {
        assertStoreCoveredByContext(state.store(), state.context());
        state.store().forEach((e, dots) -> assertThat(dots.isEmpty()).as("no empty entry for %s", e).isFalse());
    }

    @Override
    void assertMatchesModel(OrSet<String> converged, List<Event<Op>> events) {
        Set<String> expected = notSeenBy(events, e -> e.op() instanceof Add,
                (add, k) -> k.op() instanceof Remove && k.op().element().equals(add.op().element()))
            .stream().map(e -> e.op().element()).collect(Collectors.toSet());
        assertThat(converged.elements()).as("add-wins model").isEqualTo(expected);

        List<Event<Op>> liveAdds = notSeenBy(events, e -> e.op() instanceof Add,
            (add, k) -> k.op().element().equals(add.op().element()));
        assertThat(dotCount(converged.store())).as("one dot per add not yet overwritten or removed").isEqualTo(liveAdds.size());
        assertThat(converged.context().cloudSize()).as("converged context is gap-free").isZero();
        assertThat(converged.context().versionVector()).isEqualTo(countByReplica(events, e -> e.op() instanceof Add));
    }

    static long dotCount(DotStore<?> store) {
        long[] n = {0};
        store.forEachDot(d -> n[0]++);
        return n[0];
    }

    /**
     * The key-complete fast path of {@link DotMap#join} gives the general join: merging a delta or a
     * delta group into a state, or two deltas into a group, equals doing so with the same values
     * stripped of their removed-keys index.
     */
    @Property(tries = 150)
    void shouldJoinKeyCompleteDeltasLikeTheGeneralJoin(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        OrSet<String> x = w.pickState(c.x());
        OrSet<String> d = w.pickDelta(c.y());
        OrSet<String> e = w.pickDelta(c.z());
        assertThat(x.merge(d)).as("state %s ⊔ delta %s", x, d).isEqualTo(x.merge(stripped(d)));
        assertThat(d.merge(x)).isEqualTo(stripped(d).merge(x));
        assertThat(d.merge(e)).as("delta group %s ⊔ %s", d, e).isEqualTo(stripped(d).merge(stripped(e)));
        OrSet<String> group = d.merge(e);
        assertThat(x.merge(group)).isEqualTo(x.merge(stripped(group)));
        assertThat(w.pick(c.x()).merge(w.pick(c.y())))
            .isEqualTo(stripped(w.pick(c.x())).merge(stripped(w.pick(c.y()))));
    }

    private static OrSet<String> stripped(OrSet<String> s) {
        return OrSet.of(s.store().asState(), s.context());
    }
}
