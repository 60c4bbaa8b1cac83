package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Regression tests of the key-complete delta fast path of {@link DotMap} (see its class comment). */
class DotMapTest {

    private static final ReplicaId A = new ReplicaId(0xA);

    @Test
    void shouldKeepAnElementReAddedInTheSameDeltaGroupAsItsRemoval() {
        OrSet<String> state = OrSet.<String>empty().add(A, "e");
        OrSet<String> remove = state.removeDelta("e");
        OrSet<String> reAdd = state.merge(remove).addDelta(A, "e");
        OrSet<String> group = remove.merge(reAdd);

        OrSet<String> expected = state.merge(remove).merge(reAdd);
        assertThat(expected.elements()).containsExactly("e");
        assertThat(state.merge(group)).isEqualTo(expected);
        assertThat(state.merge(OrSet.of(group.store().asState(), group.context()))).isEqualTo(expected);
    }

    /**
     * A replica sees (k, y) added, then k removed, then (k, x) added; another still holds the state
     * from before the removal. Merging the two must not bring y back, whichever way round, whether
     * the first replica got there by deltas, by its own mutators, or receives the removal and the
     * new add as one delta group.
     */
    @Test
    void shouldNotReviveANestedEntryRemovedWithItsKeyAndThenReAdded() {
        OrMap<String, DotMap<String, DotSet>> a = OrMap.empty();
        OrMap<String, DotMap<String, DotSet>> addY = addDelta(a, "k", "y");
        a = a.merge(addY);
        OrMap<String, DotMap<String, DotSet>> stale = a;
        OrMap<String, DotMap<String, DotSet>> removeK = a.removeDelta("k");
        a = a.merge(removeK);
        OrMap<String, DotMap<String, DotSet>> addX = addDelta(a, "k", "x");
        a = a.merge(addX);
        OrMap<String, DotMap<String, DotSet>> viaDeltas = OrMap.<String, DotMap<String, DotSet>>empty()
            .merge(addY).merge(removeK).merge(addX);
        OrMap<String, DotMap<String, DotSet>> viaGroup = stale.merge(removeK.merge(addX));

        assertThat(a.get("k").keys()).containsExactly("x");
        assertThat(stale.merge(a)).isEqualTo(a);
        assertThat(a.merge(stale)).isEqualTo(a);
        assertThat(stale.merge(viaDeltas)).isEqualTo(a);
        assertThat(viaDeltas.merge(stale)).isEqualTo(a);
        assertThat(viaGroup).isEqualTo(a);
    }

    private static OrMap<String, DotMap<String, DotSet>> addDelta(
            OrMap<String, DotMap<String, DotSet>> m, String key, String element) {
        return m.updateDelta(key, DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, A, element));
    }
}
