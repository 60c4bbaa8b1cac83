package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Deliver;
import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Mutate;
import dev.starling.crdt.ReplicaSimulation.Mutation;
import dev.starling.crdt.ReplicaSimulation.Replica;
import dev.starling.crdt.ReplicaSimulation.Scenario;
import dev.starling.crdt.ReplicaSimulation.Step;
import dev.starling.crdt.ReplicaSimulation.Sync;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The laws every CRDT of this library obeys, as jqwik properties; one concrete subclass per type
 * supplies its operations (as replayable data), how to run one as a delta-mutator and as a plain
 * mutator, and a reference model of its final value.
 *
 * <p>States for the join laws are <em>reachable</em>: each try runs a random scenario at 2-4
 * replicas (random operations, deltas delivered in random order, duplicated and grouped, random
 * full-state merges, see {@link ReplicaSimulation}) and draws its arguments from everything that
 * run produced: replica states along the way, deltas, delta groups, and bottom. Random states built
 * independently would be meaningless for causal CRDTs (two replicas holding one dot with different
 * values, contexts that miss their own dots, ...).
 *
 * <p>The convergence property runs larger scenarios (3-5 replicas, hundreds of operations, one or
 * two replicas that never receive deltas), then delivers everything and runs full-state
 * anti-entropy, and checks that the replicas are equal and that their value is the one the
 * reference model computes from the operations and their causal history.
 *
 * @param <T> the CRDT type
 * @param <O> the type of its operations (data)
 */
abstract class AbstractCrdtLaws<T extends Crdt<T>, O> implements ReplicaSimulation.Spec<T, O> {

    /** A reachable world plus three picks into its pool of states. */
    record LawCase(Scenario<?> scenario, int x, int y, int z) {
    }

    /** A large run for the convergence property. */
    record ConvergenceCase(Scenario<?> scenario) {
    }

    // ---------------------------------------------------------------- supplied by each type

    /** The operations of the type, as data. */
    abstract Arbitrary<O> operations();

    /**
     * Checks the converged state against the reference model computed from {@code events} (every
     * operation with its replica, HLC and causal past).
     */
    abstract void assertMatchesModel(T converged, List<Event<O>> events);

    /** Structural invariants every reachable state satisfies (none by default). */
    void assertInvariants(T state) {
    }

    // ---------------------------------------------------------------- join laws

    @Property(tries = 150)
    void shouldJoinCommutatively(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        T x = w.pick(c.x());
        T y = w.pick(c.y());
        T xy = x.merge(y);
        T yx = y.merge(x);
        assertThat(xy).as("x ⊔ y = y ⊔ x for x=%s, y=%s", x, y).isEqualTo(yx);
        assertThat(xy.hashCode()).as("equal states hash equally").isEqualTo(yx.hashCode());
    }

    @Property(tries = 150)
    void shouldJoinAssociatively(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        T x = w.pick(c.x());
        T y = w.pick(c.y());
        T z = w.pick(c.z());
        assertThat(x.merge(y).merge(z))
            .as("(x ⊔ y) ⊔ z = x ⊔ (y ⊔ z) for x=%s, y=%s, z=%s", x, y, z)
            .isEqualTo(x.merge(y.merge(z)));
    }

    @Property(tries = 150)
    void shouldJoinIdempotently(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        T x = w.pick(c.x());
        assertThat(x.merge(x)).as("x ⊔ x = x for x=%s", x).isEqualTo(x);
    }

    @Property(tries = 100)
    void shouldHaveBottomAsIdentity(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        T x = w.pick(c.x());
        T bottom = bottom();
        assertThat(bottom.isBottom()).isTrue();
        assertThat(x.merge(bottom)).as("x ⊔ ⊥ = x for x=%s", x).isEqualTo(x);
        assertThat(bottom.merge(x)).as("⊥ ⊔ x = x for x=%s", x).isEqualTo(x);
    }

    @Property(tries = 150)
    void shouldBeAnUpperBoundOfBothArguments(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        T x = w.pick(c.x());
        T y = w.pick(c.y());
        T xy = x.merge(y);
        assertThat(xy.merge(x)).as("x ≤ x ⊔ y for x=%s, y=%s", x, y).isEqualTo(xy);
        assertThat(xy.merge(y)).as("y ≤ x ⊔ y for x=%s, y=%s", x, y).isEqualTo(xy);
    }

    /** Delta-mutator correctness: joining a mutator's delta into the state equals applying the mutator. */
    @Property(tries = 150)
    void shouldProduceDeltasEquivalentToTheirMutators(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        for (Mutation<T> m : w.sim.mutations()) {
            assertThat(m.before().merge(m.delta()))
                .as("state ⊔ delta(op) = op(state) for %s at %s", m.event().op(), m.before())
                .isEqualTo(m.viaMutator());
        }
    }

    /** A delta merged into a state stays absorbed: merging it again, alone or grouped, changes nothing. */
    @Property(tries = 150)
    void shouldAbsorbDeltasAlreadyMerged(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        T x = w.pickState(c.x());
        T d = w.pickDelta(c.y());
        T e = w.pickDelta(c.z());
        T xd = x.merge(d);
        assertThat(xd.merge(d)).as("x ⊔ d ⊔ d = x ⊔ d for x=%s, d=%s", x, d).isEqualTo(xd);
        T xde = xd.merge(e);
        assertThat(xde.merge(d.merge(e))).as("a group of merged deltas is absorbed too").isEqualTo(xde);
    }

    @Property(tries = 150)
    void shouldKeepReachableStatesWellFormed(@ForAll("lawCases") LawCase c) {
        World w = world(c);
        for (T s : w.sim.pool()) {
            assertInvariants(s);
        }
    }

    // ---------------------------------------------------------------- convergence

    /**
     * Random operations at 3-5 replicas; deltas delivered in random order, duplicated and grouped;
     * one or two replicas synced only by full-state merges. After delivering everything, every
     * delta-receiving replica is equal (deltas alone converge); after full-state anti-entropy every
     * replica is equal, equal to the join of all deltas, and its value is the reference model's.
     */
    @Property(tries = 40)
    void shouldConvergeToTheReferenceModel(@ForAll("convergenceCases") ConvergenceCase c) {
        @SuppressWarnings("unchecked")
        Scenario<O> scenario = (Scenario<O>) c.scenario();
        ReplicaSimulation<T, O> sim = ReplicaSimulation.run(this, scenario);
        for (Mutation<T> m : sim.mutations()) {
            assertThat(m.before().merge(m.delta())).as("delta-mutator of %s", m.event().op()).isEqualTo(m.viaMutator());
        }
        sim.deliverEverything(scenario.finishSeed());
        T first = sim.replicas().get(0).state();
        for (Replica<T> r : sim.deltaReceivingReplicas()) {
            assertThat(r.state()).as("delta-receiving %s vs replica 0", r).isEqualTo(first);
        }
        sim.antiEntropy(scenario.finishSeed() * 31 + 7);
        for (Replica<T> r : sim.replicas()) {
            assertThat(r.state()).as("%s vs replica 0", r).isEqualTo(first);
            assertInvariants(r.state());
        }
        T joinOfDeltas = bottom();
        for (T d : sim.deltas()) {
            joinOfDeltas = joinOfDeltas.merge(d);
        }
        assertThat(joinOfDeltas).as("the join of every delta").isEqualTo(first);
        assertMatchesModel(first, sim.events());
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<LawCase> lawCases() {
        Arbitrary<Integer> index = Arbitraries.integers().between(0, 1 << 20);
        return Combinators.combine(scenarios(2, 4, 0, 1, 0, 50), index, index, index).as(LawCase::new);
    }

    @Provide
    Arbitrary<ConvergenceCase> convergenceCases() {
        return scenarios(3, 5, 1, 2, 250, 600).map(ConvergenceCase::new);
    }

    /** Scenarios with the given numbers of replicas, of full-state-only replicas, and of steps. */
    Arbitrary<Scenario<?>> scenarios(int minReplicas, int maxReplicas, int minFullOnly, int maxFullOnly,
            int minSteps, int maxSteps) {
        return Arbitraries.integers().between(minReplicas, maxReplicas).flatMap(n ->
            Arbitraries.integers().between(minFullOnly, Math.min(maxFullOnly, n - 1)).flatMap(fullOnly -> {
                Arbitrary<List<Long>> ids = Arbitraries.longs().filter(v -> v != 0L).list().ofSize(n).uniqueElements();
                Arbitrary<List<Step<O>>> steps = steps(n).list().ofMinSize(minSteps).ofMaxSize(maxSteps);
                return Combinators.combine(ids, steps, Arbitraries.longs())
                    .as((i, s, seed) -> (Scenario<?>) new Scenario<>(i, fullOnly, s, seed));
            }));
    }

    private Arbitrary<Step<O>> steps(int replicas) {
        Arbitrary<Integer> replica = Arbitraries.integers().between(0, replicas - 1);
        Arbitrary<Step<O>> mutate = Combinators.combine(replica, Arbitraries.integers().between(-1, 3), operations(),
                Arbitraries.integers().between(0, 1).map(i -> i == 0))
            .as((r, tick, op, viaDelta) -> (Step<O>) new Mutate<>(r, tick, op, viaDelta));
        Arbitrary<Integer> batch = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(1)),
            Tuple.of(3, Arbitraries.integers().between(2, 4)));
        Arbitrary<Step<O>> deliver = Combinators.combine(replica, Arbitraries.integers().between(0, 1 << 16), batch,
                Arbitraries.integers().between(0, 4).map(i -> i == 0))
            .as((r, pick, b, duplicate) -> (Step<O>) new Deliver<O>(r, pick, b, duplicate));
        Arbitrary<Step<O>> sync = Combinators.combine(replica, replica).as((from, to) -> (Step<O>) new Sync<O>(from, to));
        return Arbitraries.frequencyOf(Tuple.of(5, mutate), Tuple.of(4, deliver), Tuple.of(1, sync));
    }

    // ---------------------------------------------------------------- helpers

    /** The states of one run, and picks into them. */
    final class World {
        final ReplicaSimulation<T, O> sim;
        private final List<T> pool;
        private final List<T> states;
        private final List<T> deltas;

        World(ReplicaSimulation<T, O> sim) {
            this.sim = sim;
            this.pool = sim.pool();
            List<T> s = new java.util.ArrayList<>(sim.states());
            s.add(bottom());
            this.states = s;
            List<T> d = sim.deltasAndGroups();
            if (d.isEmpty()) {
                d = List.of(bottom());
            }
            this.deltas = d;
        }

        /** Any reachable state: bottom, a replica state, a delta or a delta group. */
        T pick(int i) {
            return pool.get(Math.floorMod(i, pool.size()));
        }

        /** A replica state (or bottom). */
        T pickState(int i) {
            return states.get(Math.floorMod(i, states.size()));
        }

        /** A delta or delta group (or bottom when the run made none). */
        T pickDelta(int i) {
            return deltas.get(Math.floorMod(i, deltas.size()));
        }
    }

    @SuppressWarnings("unchecked")
    World world(LawCase c) {
        return new World(ReplicaSimulation.run(this, (Scenario<O>) c.scenario()));
    }

    /** Operations matching {@code p} that no later operation matching {@code killer} had in its causal past. */
    static <O> List<Event<O>> notSeenBy(List<Event<O>> events, Predicate<Event<O>> p,
            java.util.function.BiPredicate<Event<O>, Event<O>> killer) {
        return events.stream()
            .filter(p)
            .filter(e -> events.stream().noneMatch(k -> killer.test(e, k) && e.seenBy(k)))
            .toList();
    }

    /** How many operations matching {@code p} each replica ran: the version vector a gap-free history compacts to. */
    static <O> Map<ReplicaId, Long> countByReplica(List<Event<O>> events, Predicate<Event<O>> p) {
        Map<ReplicaId, Long> m = new HashMap<>();
        for (Event<O> e : events) {
            if (p.test(e)) {
                m.merge(e.origin().replica(), 1L, Long::sum);
            }
        }
        return m;
    }

    /** Every dot of {@code store} is in {@code context} (a state never holds what it has not seen). */
    static void assertStoreCoveredByContext(DotStore<?> store, CausalContext context) {
        store.forEachDot(d -> assertThat(context.contains(d)).as("dot %s of the store is in the context %s", d, context).isTrue());
    }
}
