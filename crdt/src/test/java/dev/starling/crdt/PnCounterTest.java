package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PnCounterTest {

    private static final ReplicaId A = new ReplicaId(0xA);
    private static final ReplicaId B = new ReplicaId(0xB);
    private static final ReplicaId C = new ReplicaId(0xC);

    @Test
    void shouldSumCounterIncrementsAndDecrements() {
        PnCounter a = PnCounter.empty().update(A, 5).update(A, -1);
        PnCounter b = PnCounter.empty().update(B, -2).update(B, 10).update(B, -3);
        PnCounter merged = a.merge(b);
        assertThat(merged.value()).isEqualTo(5 - 1 - 2 + 10 - 3);
        assertThat(merged).isEqualTo(b.merge(a));
        assertThat(merged.replicaCount()).isEqualTo(2);
        assertThat(merged.incrementsAt(0)).isEqualTo(5);
        assertThat(merged.decrementsAt(0)).isEqualTo(1);
        assertThat(merged.incrementsAt(1)).isEqualTo(10);
        assertThat(merged.decrementsAt(1)).isEqualTo(5);
        // deltas carry the updating replica's totals: duplicates and reordering change nothing
        PnCounter d1 = PnCounter.empty().updateDelta(C, 7);
        PnCounter d2 = PnCounter.empty().update(C, 7).updateDelta(C, -4);
        assertThat(merged.merge(d2).merge(d1).merge(d2).value()).isEqualTo(merged.value() + 3);
    }

    @Test
    void shouldRefuseCounterOverflow() {
        PnCounter full = PnCounter.empty().update(A, Long.MAX_VALUE).update(A, -Long.MAX_VALUE);
        assertThatThrownBy(() -> full.update(A, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> full.updateDelta(A, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PnCounter.empty().update(A, Long.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThat(full.value()).isZero();
        assertThat(full.update(B, 1).value()).isEqualTo(1);
        assertThatThrownBy(() -> PnCounter.of(java.util.Map.of(A, new long[] {-1, 0})))
            .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The value is the exact sum of the per-replica totals, saturated to the long range, whatever
     * the replica ids (and so the order in which the totals are added up).
     */
    @Property(tries = 300)
    void shouldSaturateTheExactSum(@ForAll("totals") List<Long> totals, @ForAll("ids") List<Long> ids) {
        PnCounter c = PnCounter.empty();
        BigInteger exact = BigInteger.ZERO;
        for (int i = 0; i < totals.size(); i++) {
            c = c.update(new ReplicaId(ids.get(i)), totals.get(i));
            exact = exact.add(BigInteger.valueOf(totals.get(i)));
        }
        long expected = exact.max(BigInteger.valueOf(Long.MIN_VALUE)).min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
        assertThat(c.value()).as("%s", c).isEqualTo(expected);
    }

    @Provide
    Arbitrary<List<Long>> totals() {
        return Arbitraries.oneOf(Arbitraries.longs().between(-Long.MAX_VALUE, Long.MAX_VALUE),
                Arbitraries.of(Long.MAX_VALUE, -Long.MAX_VALUE, Long.MAX_VALUE / 2 + 1, 1L, -1L))
            .list().ofSize(4);
    }

    @Provide
    Arbitrary<List<Long>> ids() {
        return Arbitraries.longs().filter(v -> v != 0).list().ofSize(4).uniqueElements();
    }
}
