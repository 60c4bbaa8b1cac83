package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OrSetTest {

    private static final ReplicaId A = new ReplicaId(0xA);
    private static final ReplicaId B = new ReplicaId(0xB);

    /** The example of the class comment: A removes x while B adds x again; the add wins. */
    @Test
    void shouldKeepConcurrentAddOverRemove() {
        OrSet<String> shared = OrSet.<String>empty().add(A, "x");
        OrSet<String> remove = shared.removeDelta("x");
        OrSet<String> add = shared.addDelta(B, "x");
        OrSet<String> atA = shared.merge(remove);
        OrSet<String> atB = shared.merge(add);
        assertThat(atA.contains("x")).isFalse();

        assertThat(atA.merge(add)).isEqualTo(atB.merge(remove));
        OrSet<String> converged = atA.merge(atB);
        assertThat(converged.elements()).containsExactly("x");
        assertThat(converged.store().get("x").dots()).containsExactly(new Dot(B, 1));
    }

    @Test
    void shouldRemoveEveryAddTheRemoverHadSeen() {
        OrSet<String> atA = OrSet.<String>empty().add(A, "x");
        OrSet<String> atB = OrSet.<String>empty().add(B, "x");
        OrSet<String> both = atA.merge(atB);
        assertThat(both.store().get("x").size()).isEqualTo(2);

        OrSet<String> removed = both.remove("x");
        assertThat(removed.merge(atA).merge(atB).contains("x")).isFalse();
        assertThat(atA.merge(both.removeDelta("x")).contains("x")).isFalse();
    }

    @Test
    void shouldReAddAfterRemoveWithAFreshDot() {
        OrSet<String> s = OrSet.<String>empty().add(A, "x").remove("x").add(A, "x");
        assertThat(s.store().get("x").dots()).containsExactly(new Dot(A, 2));
        assertThat(s.context().versionVector()).containsEntry(A, 2L);
    }

    @Test
    void shouldRemoveAnAbsentElementAsABottomDelta() {
        OrSet<String> s = OrSet.<String>empty().add(A, "x");
        assertThat(s.removeDelta("y").isBottom()).isTrue();
        assertThat(s.remove("y")).isSameAs(s);
    }
}
