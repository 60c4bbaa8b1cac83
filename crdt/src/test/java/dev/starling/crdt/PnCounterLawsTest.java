package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** The laws for {@link PnCounter}; model: the value is the sum of every update, per replica and in total. */
class PnCounterLawsTest extends AbstractCrdtLaws<PnCounter, PnCounterLawsTest.Add> {

    /** Add {@code amount} (negative to decrement) at the running replica. */
    record Add(long amount) {
    }

    @Override
    Arbitrary<Add> operations() {
        return Arbitraries.longs().between(-50, 50).map(Add::new);
    }

    @Override
    public PnCounter bottom() {
        return PnCounter.empty();
    }

    @Override
    public PnCounter delta(PnCounter state, Add op, Origin origin) {
        return state.updateDelta(origin.replica(), op.amount());
    }

    @Override
    public PnCounter apply(PnCounter state, Add op, Origin origin) {
        return state.update(origin.replica(), op.amount());
    }

    @Override
    void assertMatchesModel(PnCounter converged, List<Event<Add>> events) {
        long sum = 0;
        Map<ReplicaId, long[]> totals = new HashMap<>();
        for (Event<Add> e : events) {
            long a = e.op().amount();
            sum += a;
            long[] t = totals.computeIfAbsent(e.origin().replica(), r -> new long[2]);
            t[a >= 0 ? 0 : 1] += Math.abs(a);
        }
        assertThat(converged.value()).isEqualTo(sum);
        assertThat(converged.replicaCount()).isEqualTo(totals.size());
        for (int i = 0; i < converged.replicaCount(); i++) {
            long[] t = totals.get(converged.replicaAt(i));
            assertThat(new long[] {converged.incrementsAt(i), converged.decrementsAt(i)})
                .as("totals of %s", converged.replicaAt(i)).containsExactly(t);
        }
    }
}
