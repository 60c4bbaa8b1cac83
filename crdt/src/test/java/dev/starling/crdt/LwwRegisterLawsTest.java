package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * The laws for {@link LwwRegister}; model: the register holds the write with the highest HLC
 * (physical time, then logical counter, then replica id), deletions included.
 */
class LwwRegisterLawsTest extends AbstractCrdtLaws<LwwRegister<String>, LwwRegisterLawsTest.Write> {

    /**
     * The order the model uses, written out independently of {@link Hlc#compareTo}: physical time,
     * then logical counter, then replica id as an unsigned number.
     */
    static final Comparator<Hlc> HLC_ORDER = Comparator.comparingLong(Hlc::physicalMs)
        .thenComparingInt(Hlc::logical)
        .thenComparing((a, b) -> Long.compareUnsigned(a.replica().value(), b.replica().value()));

    /** Writes {@code value}; null deletes. */
    record Write(String value) {
    }

    @Override
    Arbitrary<Write> operations() {
        return Arbitraries.of("a", "b", "c", "d").injectNull(0.2).map(Write::new);
    }

    @Override
    public LwwRegister<String> bottom() {
        return LwwRegister.empty();
    }

    /** A write's delta is the register it writes. */
    @Override
    public LwwRegister<String> delta(LwwRegister<String> state, Write op, Origin origin) {
        return LwwRegister.of(op.value(), origin.hlc());
    }

    @Override
    public LwwRegister<String> apply(LwwRegister<String> state, Write op, Origin origin) {
        return state.write(op.value(), origin.hlc());
    }

    @Override
    public void observe(HybridLogicalClock clock, LwwRegister<String> received) {
        if (!received.isBottom()) {
            clock.observe(received.hlc());
        }
    }

    @Override
    void assertMatchesModel(LwwRegister<String> converged, List<Event<Write>> events) {
        Event<Write> last = events.stream().max(Comparator.comparing(e -> e.origin().hlc(), HLC_ORDER)).orElse(null);
        if (last == null) {
            assertThat(converged.isBottom()).isTrue();
            return;
        }
        assertThat(converged).isEqualTo(LwwRegister.of(last.op().value(), last.origin().hlc()));
        assertThat(converged.value()).isEqualTo(last.op().value());
        assertThat(converged.isDeleted()).isEqualTo(last.op().value() == null);
    }

    /**
     * Two replicas whose physical clocks read the same time write concurrently: equal physical time
     * and logical counter, so the replica id decides, compared unsigned, on both replicas.
     */
    @Property(tries = 200)
    void shouldBreakHlcTiesByUnsignedReplicaId(@ForAll long idA, @ForAll long idB, @ForAll("values") String a,
            @ForAll("values") String b, @ForAll @LongRange(min = 0, max = 1L << 40) long time) {
        Assume.that(idA != idB);
        HybridLogicalClock clockA = new HybridLogicalClock(new ReplicaId(idA), () -> time, 10);
        HybridLogicalClock clockB = new HybridLogicalClock(new ReplicaId(idB), () -> time, 10);
        LwwRegister<String> atA = LwwRegister.<String>empty().write(a, clockA.now());
        LwwRegister<String> atB = LwwRegister.<String>empty().write(b, clockB.now());
        assertThat(atA.hlc().packedTime()).isEqualTo(atB.hlc().packedTime());

        String expected = Long.compareUnsigned(idA, idB) > 0 ? a : b;
        assertThat(atA.merge(atB).value()).isEqualTo(expected);
        assertThat(atB.merge(atA).value()).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.strings().alpha().ofMaxLength(3).injectNull(0.2);
    }
}
