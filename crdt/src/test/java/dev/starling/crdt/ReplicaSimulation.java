package dev.starling.crdt;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A deterministic little network of replicas of one CRDT type, driven by a {@link Scenario}: a
 * replayable list of steps (operations as data, delta deliveries, full-state syncs). It records
 * everything the law suite needs: every state a replica went through, every delta and delta group,
 * every mutation (state before, delta, state after the plain mutator), and for the reference
 * models the causal history of every operation.
 *
 * <p>Rules the library relies on and the simulation keeps: a replica id is used by one replica
 * only; every HLC comes from that replica's own {@link HybridLogicalClock}, whose physical clock is
 * a virtual {@code long[]} advanced by the steps (it may stand still, go back, and be equal across
 * replicas, so the replica-id tiebreak of {@link Hlc} is exercised).
 *
 * <p>Causal model: each replica keeps the set of operation ids it has seen; an operation's past is
 * the seen set of its replica when it ran. A full state carries the whole seen set of its sender. A
 * delta carries its own operation plus the part of its sender's seen set that its context speaks
 * for ({@link Spec#carries}): deltas are delivered here in any order, not in causal order, so a
 * replica that received the delta of an add of {@code x} has not thereby seen the adds of {@code y}
 * that its sender had seen. With that rule, a write {@code a} is overwritten or removed by an
 * operation {@code o} exactly when {@code a} is in the past of {@code o}.
 */
final class ReplicaSimulation<T extends Crdt<T>, O> {

    /** Physical time every virtual clock starts at. */
    static final long START_MS = 1_000_000L;
    /** Drift bound of every replica's clock. */
    static final long MAX_DRIFT_MS = 50L;

    /** What a concrete CRDT type supplies to the simulation. */
    interface Spec<T extends Crdt<T>, O> {

        T bottom();

        /** The delta of {@code op} run at the replica holding {@code state} (the {@code xxxDelta} mutator). */
        T delta(T state, O op, Origin origin);

        /** The state after {@code op} (the plain {@code xxx} mutator). */
        T apply(T state, O op, Origin origin);

        /** Folds the HLCs of a received state into the receiver's clock, when the type has any. */
        default void observe(HybridLogicalClock clock, T received) {
        }

        /**
         * Whether the delta of {@code op} tells its receiver about {@code known}, an operation its
         * sender had seen. A delta carries only the context of what it touches (an OR-set add
         * carries the dots of its element, not of the other elements), so with deltas delivered
         * out of causal order a receiver learns the history of that part of the state only. True
         * by default: the delta of a register or counter carries the whole history it replaces.
         */
        default boolean carries(O op, O known) {
            return true;
        }
    }

    /** Where and when an operation runs: the replica and the HLC its clock issued for it. */
    record Origin(ReplicaId replica, Hlc hlc) {
    }

    /** One step of a scenario. Replica indexes are taken modulo the number of replicas. */
    sealed interface Step<O> permits Mutate, Deliver, Sync {
    }

    /**
     * Replica {@code replica} advances its physical clock by {@code tick} ms (may be 0 or negative)
     * and runs {@code op}; it keeps the result of merging the delta or of the plain mutator.
     */
    record Mutate<O>(int replica, int tick, O op, boolean viaDelta) implements Step<O> {
    }

    /**
     * Delta-receiving replica {@code replica} receives {@code batch} of the deltas addressed to it,
     * starting at {@code pick}, joined into one delta group; with {@code duplicate} they stay in the
     * network and will be delivered again.
     */
    record Deliver<O>(int replica, int pick, int batch, boolean duplicate) implements Step<O> {
    }

    /** Replica {@code to} merges the full state of replica {@code from}. */
    record Sync<O>(int from, int to) implements Step<O> {
    }

    /**
     * A replayable run. The first {@code replicaIds.size() - fullStateOnly} replicas receive deltas;
     * the last {@code fullStateOnly} never do and learn only by full-state merges (they still ship
     * the deltas of their own operations). {@code finishSeed} orders the final delivery.
     */
    record Scenario<O>(List<Long> replicaIds, int fullStateOnly, List<Step<O>> steps, long finishSeed) {
    }

    /** One operation as the reference models see it. */
    record Event<O>(int id, int replica, O op, Origin origin, BitSet past) {

        /** True when this operation was in the causal past of {@code later}. */
        boolean seenBy(Event<?> later) {
            return later.past.get(id);
        }
    }

    /** One mutation: the state before, its delta, and the state the plain mutator returned. */
    record Mutation<T>(T before, T delta, T viaMutator, Event<?> event) {
    }

    private record Message<T>(int to, T delta, BitSet knowledge) {
    }

    static final class Replica<T> {
        final int index;
        final ReplicaId id;
        final long[] physicalMs = {START_MS};
        final HybridLogicalClock clock;
        final boolean receivesDeltas;
        T state;
        final BitSet seen = new BitSet();

        Replica(int index, ReplicaId id, boolean receivesDeltas, T state) {
            this.index = index;
            this.id = id;
            this.receivesDeltas = receivesDeltas;
            this.state = state;
            this.clock = new HybridLogicalClock(id, () -> physicalMs[0], MAX_DRIFT_MS);
        }

        T state() {
            return state;
        }

        @Override
        public String toString() {
            return "replica " + index + " (" + id + (receivesDeltas ? "" : ", full-state only") + "): " + state;
        }
    }

    private final Spec<T, O> spec;
    private final List<Replica<T>> replicas = new ArrayList<>();
    private final int deltaReplicas;
    private final List<Message<T>> network = new ArrayList<>();
    private final List<Event<O>> events = new ArrayList<>();
    private final List<Mutation<T>> mutations = new ArrayList<>();
    private final List<T> deltas = new ArrayList<>();
    private final List<T> groups = new ArrayList<>();
    private final List<T> states = new ArrayList<>();

    private ReplicaSimulation(Spec<T, O> spec, Scenario<O> scenario) {
        this.spec = spec;
        int n = scenario.replicaIds().size();
        this.deltaReplicas = n - scenario.fullStateOnly();
        if (deltaReplicas < 1) {
            throw new IllegalArgumentException("need at least one delta-receiving replica");
        }
        for (int i = 0; i < n; i++) {
            replicas.add(new Replica<>(i, new ReplicaId(scenario.replicaIds().get(i)), i < deltaReplicas, spec.bottom()));
        }
    }

    /** Runs every step of {@code scenario} (but does not finish it: messages may be pending). */
    static <T extends Crdt<T>, O> ReplicaSimulation<T, O> run(Spec<T, O> spec, Scenario<O> scenario) {
        ReplicaSimulation<T, O> sim = new ReplicaSimulation<>(spec, scenario);
        for (Step<O> step : scenario.steps()) {
            sim.step(step);
        }
        return sim;
    }

    private void step(Step<O> step) {
        if (step instanceof Mutate<O> m) {
            mutate(replicas.get(Math.floorMod(m.replica(), replicas.size())), m);
        } else if (step instanceof Deliver<O> d) {
            deliver(replicas.get(Math.floorMod(d.replica(), deltaReplicas)), d.pick(), d.batch(), d.duplicate());
        } else if (step instanceof Sync<O> s) {
            Replica<T> from = replicas.get(Math.floorMod(s.from(), replicas.size()));
            Replica<T> to = replicas.get(Math.floorMod(s.to(), replicas.size()));
            if (from != to) {
                receive(to, from.state, from.seen);
            }
        }
    }

    private void mutate(Replica<T> r, Mutate<O> m) {
        r.physicalMs[0] = Math.max(0, r.physicalMs[0] + m.tick());
        Origin origin = new Origin(r.id, r.clock.now());
        T before = r.state;
        T delta = spec.delta(before, m.op(), origin);
        T after = spec.apply(before, m.op(), origin);
        Event<O> event = new Event<>(events.size(), r.index, m.op(), origin, (BitSet) r.seen.clone());
        events.add(event);
        mutations.add(new Mutation<>(before, delta, after, event));
        deltas.add(delta);
        r.seen.set(event.id());
        r.state = m.viaDelta() ? before.merge(delta) : after;
        states.add(r.state);
        BitSet knowledge = new BitSet();
        for (int k = r.seen.nextSetBit(0); k >= 0; k = r.seen.nextSetBit(k + 1)) {
            if (k == event.id() || spec.carries(m.op(), events.get(k).op())) {
                knowledge.set(k);
            }
        }
        for (Replica<T> other : replicas) {
            if (other != r && other.receivesDeltas) {
                network.add(new Message<>(other.index, delta, knowledge));
            }
        }
    }

    private void deliver(Replica<T> to, int pick, int batch, boolean duplicate) {
        List<Integer> addressed = new ArrayList<>();
        for (int i = 0; i < network.size(); i++) {
            if (network.get(i).to() == to.index) {
                addressed.add(i);
            }
        }
        if (addressed.isEmpty()) {
            return;
        }
        int start = Math.floorMod(pick, addressed.size());
        int count = Math.max(1, Math.min(batch, addressed.size()));
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chosen.add(addressed.get((start + i) % addressed.size()));
        }
        T group = null;
        BitSet knowledge = new BitSet();
        for (int i : chosen) {
            Message<T> msg = network.get(i);
            group = group == null ? msg.delta() : group.merge(msg.delta());
            knowledge.or(msg.knowledge());
        }
        if (count > 1) {
            groups.add(group);
        }
        receive(to, group, knowledge);
        if (!duplicate) {
            chosen.sort(Collections.reverseOrder());
            for (int i : chosen) {
                network.remove(i);
            }
        }
    }

    private void receive(Replica<T> r, T incoming, BitSet knowledge) {
        r.state = r.state.merge(incoming);
        spec.observe(r.clock, incoming);
        r.seen.or(knowledge);
        states.add(r.state);
    }

    /**
     * Delivers every pending delta (duplicates included) in an order, and with a grouping, drawn
     * from {@code seed}. Afterwards every delta-receiving replica has received every delta.
     */
    void deliverEverything(long seed) {
        Random random = new Random(seed);
        while (!network.isEmpty()) {
            Message<T> any = network.get(random.nextInt(network.size()));
            deliver(replicas.get(any.to()), random.nextInt(1 << 16), 1 + random.nextInt(3), false);
        }
    }

    /** Every full-state-only replica pulls the full state of every other replica, in an order drawn from {@code seed}. */
    void antiEntropy(long seed) {
        Random random = new Random(seed);
        for (Replica<T> r : replicas) {
            if (r.receivesDeltas) {
                continue;
            }
            List<Replica<T>> others = new ArrayList<>(replicas);
            others.remove(r);
            Collections.shuffle(others, random);
            for (Replica<T> o : others) {
                receive(r, o.state, o.seen);
            }
        }
    }

    List<Replica<T>> replicas() {
        return replicas;
    }

    List<Replica<T>> deltaReceivingReplicas() {
        return replicas.subList(0, deltaReplicas);
    }

    List<Event<O>> events() {
        return events;
    }

    List<Mutation<T>> mutations() {
        return mutations;
    }

    /** Every delta produced, in the order the operations ran. */
    List<T> deltas() {
        return deltas;
    }

    /** Every delta group (join of two or more deltas) that was delivered. */
    List<T> groups() {
        return groups;
    }

    /** Every state a replica went through, in order. */
    List<T> states() {
        return states;
    }

    /** Bottom, every replica state, every delta and every delta group: the reachable states of this run. */
    List<T> pool() {
        List<T> pool = new ArrayList<>(1 + states.size() + deltas.size() + groups.size());
        pool.add(spec.bottom());
        pool.addAll(states);
        pool.addAll(deltas);
        pool.addAll(groups);
        return pool;
    }

    /** Deltas and delta groups. */
    List<T> deltasAndGroups() {
        List<T> all = new ArrayList<>(deltas);
        all.addAll(groups);
        return all;
    }
}
