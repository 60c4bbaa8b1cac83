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
}
