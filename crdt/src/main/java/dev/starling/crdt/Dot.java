package dev.starling.crdt;

import java.util.Objects;

/**
 * One event of one replica: the {@code counter}-th event that {@code replica} created. Dots are
 * unique in the whole system, so a dot names exactly one write, and "has this replica seen that
 * write" is "is this dot in its causal context".
 */
public record Dot(ReplicaId replica, long counter) implements Comparable<Dot> {

    public Dot {
        Objects.requireNonNull(replica, "replica");
        if (counter < 1) {
            throw new IllegalArgumentException("dot counter must be >= 1: " + counter);
        }
    }

    public static Dot of(long replica, long counter) {
        return new Dot(new ReplicaId(replica), counter);
    }

    @Override
    public int compareTo(Dot o) {
        int c = replica.compareTo(o.replica);
        return c != 0 ? c : Long.compare(counter, o.counter);
    }

    @Override
    public String toString() {
        return replica + ":" + counter;
    }
}
