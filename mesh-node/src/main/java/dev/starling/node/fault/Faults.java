package dev.starling.node.fault;

import dev.starling.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * Network faults to inject, shared by the transports that consult them (the SWIM transport
 * decorator of {@code dev.starling.node.membership}, and the data plane's). A transport asks
 * {@link #blocked(ReplicaId, ReplicaId)} before it sends a message to a replica and when one arrives
 * from a replica; {@link #dropRandom()} and {@link #delayMs()} are asked once per message sent.
 *
 * <p>Partitions: {@link #partition(List)} splits the replicas into the given groups; a replica in
 * no group belongs to one more group, "the rest". Two replicas in different groups cannot talk.
 * {@link #isolate(Set)} is the split {@code [set, rest]}. {@link #oneWay} blocks one direction
 * between two replicas, in addition to any partition. {@link #clear()} heals everything.
 *
 * <p>Thread-safe: the rules are one immutable snapshot swapped atomically, so a reader sees either
 * the old rules or the new ones; the random drops come from one seeded {@link Random}, so a run
 * with the same seed and the same sequence of calls drops the same messages.
 */
public final class Faults {

    private record Rules(List<Set<ReplicaId>> groups, Set<Link> oneWay, double dropRate, long delayMs) {
        static final Rules NONE = new Rules(List.of(), Set.of(), 0.0, 0L);
    }

    private record Link(ReplicaId from, ReplicaId to) {
    }

    private final Random random;
    private volatile Rules rules = Rules.NONE;

    /** Faults whose random drops are drawn from {@code new Random(seed)}. */
    public Faults(long seed) {
        this.random = new Random(seed);
    }

    /** Cuts {@code replicas} off from every other replica; they can still talk among themselves. */
    public Faults isolate(Set<ReplicaId> replicas) {
        return partition(List.of(replicas));
    }

    /**
     * Splits the mesh into {@code groups} plus the group of every replica not named; replaces any
     * previous partition. A replica may be named in one group only.
     */
    public synchronized Faults partition(List<Set<ReplicaId>> groups) {
        List<Set<ReplicaId>> copy = new ArrayList<>(groups.size());
        for (Set<ReplicaId> group : groups) {
            Set<ReplicaId> g = Set.copyOf(group);
            for (Set<ReplicaId> previous : copy) {
                for (ReplicaId r : g) {
                    if (previous.contains(r)) {
                        throw new IllegalArgumentException("replica " + r + " is in two groups");
                    }
                }
            }
            copy.add(g);
        }
        Rules r = rules;
        rules = new Rules(List.copyOf(copy), r.oneWay, r.dropRate, r.delayMs);
        return this;
    }

    /** Blocks messages from {@code from} to {@code to} (not the other way). */
    public synchronized Faults oneWay(ReplicaId from, ReplicaId to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Rules r = rules;
        List<Link> links = new ArrayList<>(r.oneWay);
        links.add(new Link(from, to));
        rules = new Rules(r.groups, Set.copyOf(links), r.dropRate, r.delayMs);
        return this;
    }

    /** Drops each message sent with probability {@code rate}, in [0, 1]. */
    public synchronized Faults dropRate(double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException("drop rate must be in [0, 1]: " + rate);
        }
        Rules r = rules;
        rules = new Rules(r.groups, r.oneWay, rate, r.delayMs);
        return this;
    }

    /** Delays each message sent by {@code delayMs} milliseconds (0 = none). */
    public synchronized Faults delayMs(long delayMs) {
        if (delayMs < 0) {
            throw new IllegalArgumentException("delay must be >= 0 ms: " + delayMs);
        }
        Rules r = rules;
        rules = new Rules(r.groups, r.oneWay, r.dropRate, delayMs);
        return this;
    }

    /** Removes every fault: partitions, one-way blocks, drops and delay. */
    public synchronized Faults clear() {
        rules = Rules.NONE;
        return this;
    }

    /** Whether a message from {@code from} to {@code to} must be dropped by the partition rules. */
    public boolean blocked(ReplicaId from, ReplicaId to) {
        if (from.equals(to)) {
            return false;
        }
        Rules r = rules;
        if (!r.oneWay.isEmpty() && r.oneWay.contains(new Link(from, to))) {
            return true;
        }
        if (r.groups.isEmpty()) {
            return false;
        }
        return groupOf(r.groups, from) != groupOf(r.groups, to);
    }

    /** Draws whether the next message sent is lost (true with the configured drop rate). */
    public boolean dropRandom() {
        double rate = rules.dropRate;
        if (rate <= 0.0) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < rate;
        }
    }

    /** The delay to add to each message sent, in milliseconds. */
    public long delayMs() {
        return rules.delayMs;
    }

    /** Whether any fault is set. */
    public boolean active() {
        Rules r = rules;
        return !r.groups.isEmpty() || !r.oneWay.isEmpty() || r.dropRate > 0.0 || r.delayMs > 0;
    }

    private static int groupOf(List<Set<ReplicaId>> groups, ReplicaId replica) {
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i).contains(replica)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        Rules r = rules;
        return "Faults[groups=" + r.groups + ", oneWay=" + r.oneWay + ", dropRate=" + r.dropRate
            + ", delayMs=" + r.delayMs + "]";
    }
}
