package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tuple;

/**
 * The laws for three levels of nesting, an OR-map of OR-maps of OR-sets ({@code doc -> field ->
 * set of tags}), where removals happen at every level: the key-complete fast path of
 * {@link DotMap} is used at each level, and what may be trusted depends on the level above.
 *
 * <p>Model: tag {@code t} is under {@code doc/field} exactly when some add of {@code (doc, field, t)}
 * is in the causal past of no removal of that tag, of {@code doc/field}, or of {@code doc}.
 */
class NestedOrMapLawsTest extends AbstractCrdtLaws<OrMap<String, DotMap<String, DotMap<String, DotSet>>>, NestedOrMapLawsTest.Op> {

    /** An operation on the path {@code doc/field/tag}; shorter paths remove everything below them. */
    record Op(boolean add, List<String> path) {
        boolean covers(Op add) {
            return add.path.subList(0, path.size()).equals(path);
        }

        boolean overlaps(Op other) {
            int n = Math.min(path.size(), other.path.size());
            return path.subList(0, n).equals(other.path.subList(0, n));
        }
    }

    @Override
    Arbitrary<Op> operations() {
        Arbitrary<String> doc = Arbitraries.of("d0", "d1");
        Arbitrary<String> field = Arbitraries.of("f0", "f1");
        Arbitrary<String> tag = Arbitraries.of("a", "b");
        return Arbitraries.frequencyOf(
            Tuple.of(6, Combinators.combine(doc, field, tag).as((d, f, t) -> new Op(true, List.of(d, f, t)))),
            Tuple.of(2, Combinators.combine(doc, field, tag).as((d, f, t) -> new Op(false, List.of(d, f, t)))),
            Tuple.of(2, Combinators.combine(doc, field).as((d, f) -> new Op(false, List.of(d, f)))),
            Tuple.of(1, doc.map(d -> new Op(false, List.of(d)))));
    }

    @Override
    public OrMap<String, DotMap<String, DotMap<String, DotSet>>> bottom() {
        return OrMap.empty();
    }

    @Override
    public OrMap<String, DotMap<String, DotMap<String, DotSet>>> delta(
            OrMap<String, DotMap<String, DotMap<String, DotSet>>> state, Op op, Origin origin) {
        return op.path().size() == 1 ? state.removeDelta(op.path().get(0)) : state.updateDelta(op.path().get(0), DotMap.empty(), docMutator(op, origin));
    }

    @Override
    public OrMap<String, DotMap<String, DotMap<String, DotSet>>> apply(
            OrMap<String, DotMap<String, DotMap<String, DotSet>>> state, Op op, Origin origin) {
        return op.path().size() == 1 ? state.remove(op.path().get(0)) : state.update(op.path().get(0), DotMap.empty(), docMutator(op, origin));
    }

    /** The nested delta-mutator for a document: add or remove a tag of a field, or remove a field. */
    private static BiFunction<DotMap<String, DotMap<String, DotSet>>, CausalContext, Causal<DotMap<String, DotMap<String, DotSet>>>> docMutator(
            Op op, Origin origin) {
        String field = op.path().get(1);
        return (doc, context) -> {
            DotMap<String, DotSet> f = doc.get(field);
            if (op.path().size() == 2) {
                return f == null
                    ? new Causal<>(DotMap.emptyDelta(), CausalContext.empty())
                    : new Causal<>(DotMap.removal(field), Causal.dotsOf(f));
            }
            DotMap<String, DotSet> tags = f == null ? DotMap.empty() : f;
            String tag = op.path().get(2);
            Causal<DotMap<String, DotSet>> d = op.add()
                ? OrSet.addDelta(tags, context, origin.replica(), tag)
                : OrSet.removeDelta(tags, tag);
            return new Causal<>(DotMap.delta(field, d.store()), d.context());
        };
    }

    @Override
    public boolean carries(Op op, Op known) {
        return op.overlaps(known);
    }

    @Override
    void assertInvariants(OrMap<String, DotMap<String, DotMap<String, DotSet>>> state) {
        assertStoreCoveredByContext(state.store(), state.context());
        state.forEach((d, doc) -> {
            assertThat(doc.isEmpty()).isFalse();
            doc.forEach((f, tags) -> assertThat(tags.isEmpty()).isFalse());
        });
    }

    @Override
    void assertMatchesModel(OrMap<String, DotMap<String, DotMap<String, DotSet>>> converged, List<Event<Op>> events) {
        Set<List<String>> expected = new TreeSet<>(java.util.Comparator.comparing(Object::toString));
        notSeenBy(events, e -> e.op().add(), (add, k) -> !k.op().add() && k.op().covers(add.op()))
            .forEach(e -> expected.add(e.op().path()));
        Set<List<String>> actual = new TreeSet<>(java.util.Comparator.comparing(Object::toString));
        converged.forEach((d, doc) -> doc.forEach((f, tags) -> tags.forEach((t, dots) -> actual.add(List.of(d, f, t)))));
        assertThat(actual).isEqualTo(expected);

        List<Event<Op>> liveAdds = notSeenBy(events, e -> e.op().add(), (add, k) -> k.op().covers(add.op()));
        assertThat(OrSetLawsTest.dotCount(converged.store())).isEqualTo(liveAdds.size());
        assertThat(converged.context().cloudSize()).isZero();
    }

    /** Any join of reachable values equals the join of the same values with no removed-keys index at any level. */
    @Property(tries = 150)
    void shouldJoinKeyCompleteDeltasLikeTheGeneralJoin(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        var x = w.pickState(c.x());
        var d = w.pickDelta(c.y());
        var e = w.pickDelta(c.z());
        assertThat(x.merge(d)).as("state %s ⊔ delta %s", x, d).isEqualTo(stripped(x).merge(stripped(d)));
        assertThat(d.merge(e)).as("group %s ⊔ %s", d, e).isEqualTo(stripped(d).merge(stripped(e)));
        assertThat(x.merge(d.merge(e))).isEqualTo(stripped(x).merge(stripped(d.merge(e))));
        var p = w.pick(c.x());
        var q = w.pick(c.z());
        assertThat(p.merge(q)).as("%s ⊔ %s", p, q).isEqualTo(stripped(p).merge(stripped(q)));
    }

    private static OrMap<String, DotMap<String, DotMap<String, DotSet>>> stripped(
            OrMap<String, DotMap<String, DotMap<String, DotSet>>> m) {
        Map<String, DotMap<String, DotMap<String, DotSet>>> docs = new HashMap<>();
        m.forEach((d, doc) -> {
            Map<String, DotMap<String, DotSet>> fields = new HashMap<>();
            doc.forEach((f, tags) -> {
                Map<String, DotSet> t = new HashMap<>();
                tags.forEach(t::put);
                fields.put(f, DotMap.of(t, null));
            });
            docs.put(d, DotMap.of(fields, null));
        });
        return OrMap.of(DotMap.of(docs, null), m.context());
    }
}
