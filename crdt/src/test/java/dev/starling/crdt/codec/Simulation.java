package dev.starling.crdt.codec;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Runs a random operation sequence of one CRDT type at 2-4 replicas and records every state and
 * delta it reaches. Each replica owns its replica id and a {@link HybridLogicalClock} on its own
 * virtual physical clock; replicas apply their own deltas with {@code merge} and exchange single
 * deltas, delta groups and full states in random order, with duplicates and gaps.
 */
final class Simulation {

    /** Drift bound of the simulated clocks. */
    static final long MAX_DRIFT_MS = 60_000;

    private Simulation() {
    }

    /**
     * One step. {@code kind} 0..99 picks what happens (most steps are local operations),
     * {@code replica}/{@code peer} pick who, {@code key}/{@code element} pick from the key pool,
     * {@code value} seeds values and choices, {@code advanceMs} moves the acting replica's clock.
     */
    record Step(int kind, int replica, int peer, int key, int element, long value, int advanceMs) {
    }

    /** How the replicas start. */
    record Setup(List<ReplicaId> replicas, long startMs, int startLogical, List<String> keys, long seed) {
    }

    /** The acting replica, as a model's operation sees it. */
    static final class Replica {
        final ReplicaId id;
        final HybridLogicalClock clock;
        long nowMs;

        Replica(ReplicaId id, long nowMs) {
            this.id = id;
            this.nowMs = nowMs;
            this.clock = new HybridLogicalClock(id, () -> this.nowMs, MAX_DRIFT_MS);
        }
    }

    /** A CRDT type as the simulation drives it. */
    interface Model<T extends Crdt<T>> {
        String name();

        T empty();

        /** The delta of one local operation at {@code r} on {@code state}, or null to skip the step. */
        T operate(Replica r, T state, Step step, List<String> keys);

        /** Folds the HLCs of a received state into the receiver's clock (LWW types). */
        default void observe(T received, HybridLogicalClock clock) {
        }
    }

    /**
     * What one run reached: replica states (snapshots along the way and the final ones), every
     * delta created, delta groups (joins of several deltas), and the final replica states.
     */
    record Run<T>(String model, Setup setup, List<T> states, List<T> deltas, List<T> groups, List<T> finals) {

        /** Every value, states first. */
        List<T> all() {
            List<T> out = new ArrayList<>(states.size() + deltas.size() + groups.size());
            out.addAll(states);
            out.addAll(deltas);
            out.addAll(groups);
            return out;
        }

        /** Deltas and delta groups: the values whose key-completeness must survive encoding. */
        List<T> deltasAndGroups() {
            List<T> out = new ArrayList<>(deltas);
            out.addAll(groups);
            return out;
        }

        @Override
        public String toString() {
            return model + " run: " + setup + ", " + deltas.size() + " deltas, finals=" + finals;
        }
    }

    static <T extends Crdt<T>> Run<T> run(Model<T> model, Setup setup, List<Step> steps) {
        Random random = new Random(setup.seed());
        int n = setup.replicas().size();
        List<Replica> replicas = new ArrayList<>(n);
        List<T> state = new ArrayList<>(n);
        List<List<T>> created = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Replica r = new Replica(setup.replicas().get(i), setup.startMs() + 7L * i);
            if (setup.startLogical() > 0) {
                r.clock.restore(new Hlc(r.nowMs, setup.startLogical(), r.id));
            }
            replicas.add(r);
            state.add(model.empty());
            created.add(new ArrayList<>());
        }
        List<T> snapshots = new ArrayList<>();
        List<T> deltas = new ArrayList<>();
        for (Step s : steps) {
            int i = Math.floorMod(s.replica(), n);
            int j = Math.floorMod(s.peer(), n);
            Replica r = replicas.get(i);
            r.nowMs = Math.min(Hlc.MAX_PHYSICAL_MS - 1_000_000, r.nowMs + s.advanceMs());
            int kind = Math.floorMod(s.kind(), 100);
            if (kind < 55) {
                T d = model.operate(r, state.get(i), s, setup.keys());
                if (d != null) {
                    deltas.add(d);
                    created.get(i).add(d);
                    state.set(i, state.get(i).merge(d));
                }
            } else if (kind < 72) {
                List<T> mine = created.get(i);
                if (!mine.isEmpty() && i != j) {
                    deliver(model, replicas.get(j), state, j, mine.get(random.nextInt(mine.size())));
                }
            } else if (kind < 82) {
                List<T> mine = created.get(i);
                if (mine.size() >= 2 && i != j) {
                    deliver(model, replicas.get(j), state, j, groupOf(mine, random));
                }
            } else if (kind < 94) {
                if (i != j) {
                    deliver(model, replicas.get(j), state, j, state.get(i));
                }
            } else {
                snapshots.add(state.get(i));
                r.nowMs = Math.min(Hlc.MAX_PHYSICAL_MS - 1_000_000, r.nowMs + 1000L * (1 + random.nextInt(5)));
            }
        }
        List<T> groups = new ArrayList<>();
        for (int g = 0; g < 4 && deltas.size() >= 2; g++) {
            groups.add(groupOf(deltas, random));
        }
        List<T> states = new ArrayList<>(snapshots);
        states.add(model.empty());
        states.addAll(state);
        return new Run<>(model.name(), setup, Collections.unmodifiableList(states), Collections.unmodifiableList(deltas),
            Collections.unmodifiableList(groups), Collections.unmodifiableList(new ArrayList<>(state)));
    }

    private static <T extends Crdt<T>> void deliver(Model<T> model, Replica to, List<T> state, int j, T received) {
        model.observe(received, to.clock);
        state.set(j, state.get(j).merge(received));
    }

    /** The join of 2..4 deltas picked at random (a window or a scattered pick, any order). */
    static <T extends Crdt<T>> T groupOf(List<T> deltas, Random random) {
        int size = Math.min(deltas.size(), 2 + random.nextInt(3));
        T group;
        if (random.nextBoolean()) {
            int from = random.nextInt(deltas.size() - size + 1);
            group = deltas.get(from);
            for (int k = from + 1; k < from + size; k++) {
                group = group.merge(deltas.get(k));
            }
        } else {
            group = deltas.get(random.nextInt(deltas.size()));
            for (int k = 1; k < size; k++) {
                group = group.merge(deltas.get(random.nextInt(deltas.size())));
            }
        }
        return group;
    }
}
