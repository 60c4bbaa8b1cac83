package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Tuple;

/**
 * The laws for {@link OrMap}, on an OR-map of OR-sets ({@code key -> set of strings}), its
 * update-wins model, its metadata bound, and the key-complete fast path of {@link DotMap} at both
 * levels of nesting.
 *
 * <p>Model: element {@code x} is in the set under {@code k} exactly when some add of {@code (k, x)}
 * is in the causal past of no remove of {@code (k, x)} and of no removal of key {@code k}; a key is
 * present while its set is non-empty. The store holds one dot per add of {@code (k, x)} that no
 * later add or remove of {@code (k, x)} and no removal of {@code k} has seen.
 */
class OrMapLawsTest extends AbstractCrdtLaws<OrMap<String, DotMap<String, DotSet>>, OrMapLawsTest.Op> {

    sealed interface Op permits AddTo, RemoveFrom, RemoveKey {
        String key();
    }

    /** Adds {@code element} to the set under {@code key}. */
    record AddTo(String key, String element) implements Op {
    }

    /** Removes {@code element} from the set under {@code key}. */
    record RemoveFrom(String key, String element) implements Op {
    }

    /** Removes {@code key} and everything under it. */
    record RemoveKey(String key) implements Op {
    }

    @Override
    Arbitrary<Op> operations() {
        Arbitrary<String> key = Arbitraries.of("k0", "k1", "k2");
        Arbitrary<String> element = Arbitraries.of("a", "b", "c");
        return Arbitraries.frequencyOf(
            Tuple.of(5, Combinators.combine(key, element).as(AddTo::new)),
            Tuple.of(2, Combinators.combine(key, element).as(RemoveFrom::new)),
            Tuple.of(2, key.map(RemoveKey::new)));
    }

    @Override
    public OrMap<String, DotMap<String, DotSet>> bottom() {
        return OrMap.empty();
    }

    @Override
    public OrMap<String, DotMap<String, DotSet>> delta(OrMap<String, DotMap<String, DotSet>> state, Op op, Origin origin) {
        if (op instanceof AddTo a) {
            return state.updateDelta(a.key(), DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, origin.replica(), a.element()));
        }
        if (op instanceof RemoveFrom r) {
            return state.updateDelta(r.key(), DotMap.empty(), (s, c) -> OrSet.removeDelta(s, r.element()));
        }
        return state.removeDelta(op.key());
    }

    @Override
    public OrMap<String, DotMap<String, DotSet>> apply(OrMap<String, DotMap<String, DotSet>> state, Op op, Origin origin) {
        if (op instanceof AddTo a) {
            return state.update(a.key(), DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, origin.replica(), a.element()));
        }
        if (op instanceof RemoveFrom r) {
            return state.update(r.key(), DotMap.empty(), (s, c) -> OrSet.removeDelta(s, r.element()));
        }
        return state.remove(op.key());
    }

    /**
     * The delta of an operation on {@code (k, x)} carries the history of {@code (k, x)}; the delta
     * of removing {@code k} carries the history of everything under {@code k}.
     */
    @Override
    public boolean carries(Op op, Op known) {
        if (!op.key().equals(known.key())) {
            return false;
        }
        return op instanceof RemoveKey || known instanceof RemoveKey || element(op).equals(element(known));
    }

    private static String element(Op op) {
        return op instanceof AddTo a ? a.element() : ((RemoveFrom) op).element();
    }

    @Override
    void assertInvariants(OrMap<String, DotMap<String, DotSet>> state) {
        assertStoreCoveredByContext(state.store(), state.context());
        state.forEach((k, nested) -> {
            assertThat(nested.isEmpty()).as("no empty nested store under %s", k).isFalse();
            nested.forEach((e, dots) -> assertThat(dots.isEmpty()).as("no empty entry %s/%s", k, e).isFalse());
        });
    }

    @Override
    void assertMatchesModel(OrMap<String, DotMap<String, DotSet>> converged, List<Event<Op>> events) {
        Map<String, Set<String>> expected = new TreeMap<>();
        for (Event<Op> add : notSeenBy(events, e -> e.op() instanceof AddTo, (add, k) -> removes(k.op(), (AddTo) add.op()))) {
            AddTo a = (AddTo) add.op();
            expected.computeIfAbsent(a.key(), x -> new TreeSet<>()).add(a.element());
        }
        assertThat(view(converged)).as("update-wins model").isEqualTo(expected);

        List<Event<Op>> liveAdds = notSeenBy(events, e -> e.op() instanceof AddTo,
            (add, k) -> removes(k.op(), (AddTo) add.op())
                || (k.op() instanceof AddTo b && b.equals(add.op())));
        assertThat(OrSetLawsTest.dotCount(converged.store()))
            .as("one dot per add not yet overwritten or removed").isEqualTo(liveAdds.size());
        assertThat(converged.context().cloudSize()).as("converged context is gap-free").isZero();
        assertThat(converged.context().versionVector()).isEqualTo(countByReplica(events, e -> e.op() instanceof AddTo));
    }

    private static boolean removes(Op op, AddTo add) {
        return (op instanceof RemoveKey rk && rk.key().equals(add.key()))
            || (op instanceof RemoveFrom rf && rf.key().equals(add.key()) && rf.element().equals(add.element()));
    }

    static Map<String, Set<String>> view(OrMap<String, DotMap<String, DotSet>> m) {
        Map<String, Set<String>> out = new TreeMap<>();
        m.forEach((k, nested) -> out.put(k, new TreeSet<>(nested.keys())));
        return out;
    }

    /**
     * The key-complete fast path of {@link DotMap#join} gives the general join, at both levels: any
     * join of reachable states (deltas, delta groups, replica states) equals the join of the same
     * values with every removed-keys index stripped, outer and nested.
     */
    @Property(tries = 150)
    void shouldJoinKeyCompleteDeltasLikeTheGeneralJoin(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        OrMap<String, DotMap<String, DotSet>> x = w.pickState(c.x());
        OrMap<String, DotMap<String, DotSet>> d = w.pickDelta(c.y());
        OrMap<String, DotMap<String, DotSet>> e = w.pickDelta(c.z());
        assertThat(x.merge(d)).as("state %s ⊔ delta %s", x, d).isEqualTo(stripped(x).merge(stripped(d)));
        assertThat(d.merge(x)).isEqualTo(stripped(d).merge(stripped(x)));
        assertThat(d.merge(e)).as("delta group %s ⊔ %s", d, e).isEqualTo(stripped(d).merge(stripped(e)));
        OrMap<String, DotMap<String, DotSet>> group = d.merge(e);
        assertThat(x.merge(group)).as("state %s ⊔ group %s", x, group).isEqualTo(stripped(x).merge(stripped(group)));
        OrMap<String, DotMap<String, DotSet>> p = w.pick(c.x());
        OrMap<String, DotMap<String, DotSet>> q = w.pick(c.y());
        assertThat(p.merge(q)).as("%s ⊔ %s", p, q).isEqualTo(stripped(p).merge(stripped(q)));
    }

    /** The same value with no removed-keys index at any level: forces the general join everywhere. */
    static OrMap<String, DotMap<String, DotSet>> stripped(OrMap<String, DotMap<String, DotSet>> m) {
        Map<String, DotMap<String, DotSet>> entries = new HashMap<>();
        m.forEach((k, nested) -> {
            Map<String, DotSet> inner = new HashMap<>();
            nested.forEach(inner::put);
            entries.put(k, DotMap.of(inner, null));
        });
        return OrMap.of(DotMap.of(entries, null), m.context());
    }
}
