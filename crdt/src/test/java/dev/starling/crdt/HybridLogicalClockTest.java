package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.HybridLogicalClock.Observation;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

    private static final ReplicaId LOCAL = new ReplicaId(0xA);
    private static final ReplicaId REMOTE = new ReplicaId(0xB);
    private static final long T = 1_700_000_000_000L;

    /** Physical time may stand still or run backwards; issued timestamps still strictly increase. */
    @Property(tries = 300)
    void shouldIssueStrictlyIncreasingTimestampsWhateverThePhysicalClockDoes(
            @ForAll("physicalSteps") List<Integer> steps, @ForAll @LongRange(min = 0, max = 1_000) long maxDrift) {
        long[] now = {T};
        HybridLogicalClock clock = new HybridLogicalClock(LOCAL, () -> now[0], maxDrift);
        Hlc previous = null;
        for (int step : steps) {
            if (step == Integer.MIN_VALUE) {
                // observe a remote timestamp within the drift bound
                Hlc remote = new Hlc(now[0] + maxDrift, 7, REMOTE);
                assertThat(clock.observe(remote)).isEqualTo(Observation.ACCEPTED);
                Hlc next = clock.now();
                assertThat(next).isGreaterThan(remote);
                assertThat(next.packedTime()).isGreaterThan(remote.packedTime());
                previous = next;
                continue;
            }
            now[0] += step;
            Hlc next = clock.now();
            assertThat(next.replica()).isEqualTo(LOCAL);
            if (previous != null) {
                assertThat(next).as("after %s", previous).isGreaterThan(previous);
            }
            assertThat(clock.highWaterMark()).isEqualTo(next);
            previous = next;
        }
    }

    @Provide
    Arbitrary<List<Integer>> physicalSteps() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(-20, -1)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 20)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Integer.MIN_VALUE)))
            .list().ofMaxSize(200);
    }

    @Test
    void shouldMovePhysicalTimeOnWhenTheLogicalCounterOverflows() {
        HybridLogicalClock clock = new HybridLogicalClock(LOCAL, () -> T, 100);
        Hlc last = null;
        for (int i = 0; i <= Hlc.MAX_LOGICAL; i++) {
            last = clock.now();
        }
        assertThat(last).isEqualTo(new Hlc(T, Hlc.MAX_LOGICAL, LOCAL));
        assertThat(clock.now()).isEqualTo(new Hlc(T + 1, 0, LOCAL));

        HybridLogicalClock restored = new HybridLogicalClock(LOCAL, () -> T, 100);
        restored.restore(new Hlc(T + 5, Hlc.MAX_LOGICAL, LOCAL));
        assertThat(restored.now()).isEqualTo(new Hlc(T + 6, 0, LOCAL));
    }

    /** A remote within the drift bound (whatever the bound) is folded in: later local timestamps order after it. */
    @Property(tries = 300)
    void shouldAdvancePastARemoteWithinTheDriftBound(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long maxDrift,
            @ForAll @LongRange(min = 0, max = 1_000_000) long ahead, @ForAll @IntRange(max = Hlc.MAX_LOGICAL) int logical) {
        Assume.that(ahead <= maxDrift);
        HybridLogicalClock clock = new HybridLogicalClock(LOCAL, () -> T, maxDrift);
        clock.now();
        Hlc remote = new Hlc(T + ahead, logical, REMOTE);
        assertThat(clock.isTooFarAhead(remote)).isFalse();
        assertThat(clock.observe(remote)).isEqualTo(Observation.ACCEPTED);
        assertThat(clock.clampedCount()).isZero();
        Hlc next = clock.now();
        assertThat(next.packedTime()).isGreaterThan(remote.packedTime());
    }

    @Test
    void shouldAcceptARemoteExactlyAtTheDriftBound() {
        HybridLogicalClock clock = new HybridLogicalClock(LOCAL, () -> T, 100);
        Hlc remote = new Hlc(T + 100, 3, REMOTE);
        assertThat(clock.observe(remote)).isEqualTo(Observation.ACCEPTED);
        assertThat(clock.now()).isEqualTo(new Hlc(T + 100, 4, LOCAL));
    }

    /** A remote too far ahead is clamped and counted; the clock goes to the bound, not to the remote. */
    @Property(tries = 200)
    void shouldClampAndCountARemoteBeyondTheDriftBound(@ForAll @LongRange(min = 0, max = 10_000) long maxDrift,
            @ForAll @LongRange(min = 1, max = 1L << 40) long beyond, @ForAll @IntRange(min = 1, max = 5) int times) {
        HybridLogicalClock clock = new HybridLogicalClock(LOCAL, () -> T, maxDrift);
        Hlc remote = new Hlc(T + maxDrift + beyond, 0, REMOTE);
        assertThat(clock.isTooFarAhead(remote)).isTrue();
        for (int i = 0; i < times; i++) {
            assertThat(clock.observe(remote)).isEqualTo(Observation.CLAMPED);
        }
        assertThat(clock.clampedCount()).isEqualTo(times);
        Hlc next = clock.now();
        assertThat(next.physicalMs()).isEqualTo(T + maxDrift);
        assertThat(next).isLessThan(remote);
    }

    /** After a restart with the saved high-water mark, no timestamp is issued twice, even if the wall clock went back. */
    @Property(tries = 200)
    void shouldNeverReissueATimestampAfterRestore(@ForAll @IntRange(min = 1, max = 50) int before,
            @ForAll @LongRange(min = 0, max = 10_000) long clockWentBack, @ForAll @IntRange(min = 1, max = 50) int after) {
        long[] now = {T};
        HybridLogicalClock first = new HybridLogicalClock(LOCAL, () -> now[0], 100);
        List<Hlc> issued = new ArrayList<>();
        for (int i = 0; i < before; i++) {
            issued.add(first.now());
        }
        first.observe(new Hlc(T + 50, 9, REMOTE));
        Hlc saved = first.highWaterMark();

        long[] later = {T - clockWentBack};
        HybridLogicalClock second = new HybridLogicalClock(LOCAL, () -> later[0], 100);
        second.restore(saved);
        second.restore(null);
        Hlc newest = issued.get(issued.size() - 1);
        for (int i = 0; i < after; i++) {
            Hlc h = second.now();
            assertThat(h).isGreaterThan(newest).isGreaterThan(saved);
            newest = h;
        }
    }

    @Test
    void shouldRejectANegativeDriftBound() {
        assertThatThrownBy(() -> new HybridLogicalClock(LOCAL, () -> T, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new HybridLogicalClock(LOCAL, () -> T, 0).highWaterMark()).isNull();
    }

    // ------------------------------------------------------------------ Hlc and ReplicaId strings

    @Property(tries = 500)
    void shouldOrderHlcStringsLikeHlcs(@ForAll("hlcs") Hlc x, @ForAll("hlcs") Hlc y) {
        assertThat(x.toString()).hasSize(Hlc.STRING_LENGTH);
        assertThat(Integer.signum(x.toString().compareTo(y.toString()))).isEqualTo(Integer.signum(x.compareTo(y)));
        assertThat(Hlc.parse(x.toString())).isEqualTo(x);
        assertThat(x.equals(y)).isEqualTo(x.compareTo(y) == 0);
    }

    @Provide
    Arbitrary<Hlc> hlcs() {
        return net.jqwik.api.Combinators.combine(
                Arbitraries.longs().between(0, Hlc.MAX_PHYSICAL_MS),
                Arbitraries.integers().between(0, Hlc.MAX_LOGICAL),
                Arbitraries.longs().map(ReplicaId::new))
            .as(Hlc::new);
    }

    @Property(tries = 500)
    void shouldOrderReplicaIdStringsLikeReplicaIds(@ForAll long x, @ForAll long y) {
        ReplicaId a = new ReplicaId(x);
        ReplicaId b = new ReplicaId(y);
        assertThat(a.toString()).hasSize(16);
        assertThat(Integer.signum(a.toString().compareTo(b.toString()))).isEqualTo(Integer.signum(a.compareTo(b)));
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(Long.compareUnsigned(x, y)));
        assertThat(ReplicaId.parse(a.toString())).isEqualTo(a);
    }

    @Test
    void shouldRejectMalformedStrings() {
        for (String s : new String[] {null, "", "00000000000a-0001", "00000000000a_0001_000000000000000b",
                "00000000000a-000g-000000000000000b", "1000000000000-0001-000000000000000b"}) {
            assertThatThrownBy(() -> Hlc.parse(s)).as("%s", s).isInstanceOf(IllegalArgumentException.class);
        }
        for (String s : new String[] {null, "", "abc", "00000000000000000", "000000000000000g"}) {
            assertThatThrownBy(() -> ReplicaId.parse(s)).as("%s", s).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new Hlc(Hlc.MAX_PHYSICAL_MS + 1, 0, LOCAL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Hlc(0, Hlc.MAX_LOGICAL + 1, LOCAL)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNeverDrawTheZeroReplicaId() {
        java.util.Random zeroFirst = new java.util.Random() {
            private int calls;

            @Override
            public long nextLong() {
                return calls++ == 0 ? 0L : 42L;
            }
        };
        assertThat(ReplicaId.random(zeroFirst)).isEqualTo(new ReplicaId(42));
    }
}
