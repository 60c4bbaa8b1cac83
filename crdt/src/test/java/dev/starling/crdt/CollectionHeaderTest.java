package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The join laws of {@link CollectionHeader} and what it keeps: newest model, then the first write. */
class CollectionHeaderTest {

    @Provide
    Arbitrary<CollectionHeader> headers() {
        Arbitrary<ModelVersion> model = Combinators.combine(Arbitraries.integers().between(0, 2),
            Arbitraries.of(1L, 2L, 0x8000_0000_0000_0000L)).as(ModelVersion::new);
        Arbitrary<Hlc> hlc = Combinators.combine(Arbitraries.longs().between(0, 3), Arbitraries.integers().between(0, 1),
            Arbitraries.longs().between(1, 3)).as((p, l, r) -> new Hlc(p, l, new ReplicaId(r)));
        Arbitrary<CollectionHeader> present = Combinators.combine(model, Arbitraries.of("a", "b"),
            Arbitraries.of(3, 384), hlc).as(CollectionHeader::of);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, Arbitraries.just(CollectionHeader.bottom())),
            net.jqwik.api.Tuple.of(8, present));
    }

    @Property(tries = 500)
    void shouldJoinLikeASemilattice(@ForAll("headers") CollectionHeader x, @ForAll("headers") CollectionHeader y,
                                    @ForAll("headers") CollectionHeader z) {
        assertThat(x.merge(y)).isEqualTo(y.merge(x));
        assertThat(x.merge(y).merge(z)).isEqualTo(x.merge(y.merge(z)));
        assertThat(x.merge(x)).isEqualTo(x);
        assertThat(x.merge(CollectionHeader.bottom())).isEqualTo(x);
        assertThat(x.merge(y).merge(x)).isEqualTo(x.merge(y));
    }

    @Test
    void shouldKeepTheNewestModelThenTheFirstWrite() {
        ReplicaId a = new ReplicaId(1);
        ReplicaId b = new ReplicaId(2);
        ModelVersion m1 = new ModelVersion(1, 7);
        ModelVersion m2 = new ModelVersion(2, 3);
        CollectionHeader first = CollectionHeader.of(m1, "mini", 384, new Hlc(10, 0, a));
        CollectionHeader later = CollectionHeader.of(m1, "mini", 3, new Hlc(11, 0, b));
        CollectionHeader upgrade = CollectionHeader.of(m2, "big", 768, new Hlc(50, 0, b));
        assertThat(later.merge(first).dimensions()).as("the first vector fixes the dimension").isEqualTo(384);
        assertThat(first.merge(upgrade)).isEqualTo(upgrade);
    }

    @Test
    void shouldRefuseBadNamesAndDimensions() {
        Hlc t = new Hlc(1, 0, new ReplicaId(1));
        ModelVersion m = new ModelVersion(1, 1);
        assertThatThrownBy(() -> CollectionHeader.of(m, "", 3, t)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CollectionHeader.of(m, "a@b", 3, t)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CollectionHeader.of(m, "a", 0, t)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CollectionHeader.of(m, "a", EmbeddingValue.MAX_DIMENSIONS + 1, t))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
