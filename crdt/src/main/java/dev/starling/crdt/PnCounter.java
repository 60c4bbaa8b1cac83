package dev.starling.crdt;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Positive-negative counter [1, section 3]: each replica counts its own increments and decrements
 * in two monotonic totals; the join keeps the higher of each total per replica, and the value is
 * the sum of increments minus the sum of decrements. The delta of an update is the one entry of
 * the replica that made it.
 *
 * <p>Example: A adds 5 and B adds -2 concurrently: deltas {A: +5/-0} and {B: +0/-2}; every replica
 * ends with both entries and the value 3, whatever the order the deltas arrive in, or how often.
 *
 * <p>Totals never overflow silently: an update that would take a replica's total past
 * {@code Long.MAX_VALUE} is refused. The value saturates at the long range.
 *
 * <p>[1] M. Shapiro, N. Preguiça, C. Baquero, M. Zawirski, "A comprehensive study of Convergent and
 * Commutative Replicated Data Types", INRIA RR-7506, 2011.
 */
public final class PnCounter implements Crdt<PnCounter> {

    private static final long[] NONE = new long[0];
    private static final PnCounter EMPTY = new PnCounter(NONE, NONE, NONE);

    /** Replica ids in unsigned order, and their increment and decrement totals. */
    private final long[] replicas;
    private final long[] increments;
    private final long[] decrements;

    private PnCounter(long[] replicas, long[] increments, long[] decrements) {
        this.replicas = replicas;
        this.increments = increments;
        this.decrements = decrements;
    }

    public static PnCounter empty() {
        return EMPTY;
    }

    /**
     * A counter from per-replica totals {@code [increments, decrements]} (used by decoders).
     *
     * @throws IllegalArgumentException for a negative total
     */
    public static PnCounter of(Map<ReplicaId, long[]> totals) {
        TreeMap<ReplicaId, long[]> sorted = new TreeMap<>(totals);
        long[] rs = new long[sorted.size()];
        long[] ps = new long[rs.length];
        long[] ns = new long[rs.length];
        int i = 0;
        for (Map.Entry<ReplicaId, long[]> e : sorted.entrySet()) {
            long p = e.getValue()[0];
            long n = e.getValue()[1];
            if (p < 0 || n < 0) {
                throw new IllegalArgumentException("counter totals must be >= 0: " + e.getKey());
            }
            rs[i] = e.getKey().value();
            ps[i] = p;
            ns[i++] = n;
        }
        return new PnCounter(rs, ps, ns);
    }

    /** The sum of increments minus the sum of decrements, saturated to the long range. */
    public long value() {
        long v = 0;
        try {
            for (int i = 0; i < replicas.length; i++) {
                v = Math.addExact(v, increments[i]);
                v = Math.subtractExact(v, decrements[i]);
            }
            return v;
        } catch (ArithmeticException overflow) {
            // A partial sum left the long range (the total may still fit): add up exactly.
            BigInteger sum = BigInteger.ZERO;
            for (int i = 0; i < replicas.length; i++) {
                sum = sum.add(BigInteger.valueOf(increments[i])).subtract(BigInteger.valueOf(decrements[i]));
            }
            return sum.max(BigInteger.valueOf(Long.MIN_VALUE)).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
        }
    }

    @Override
    public boolean isBottom() {
        return replicas.length == 0;
    }

    public int replicaCount() {
        return replicas.length;
    }

    public ReplicaId replicaAt(int i) {
        return new ReplicaId(replicas[i]);
    }

    public long incrementsAt(int i) {
        return increments[i];
    }

    public long decrementsAt(int i) {
        return decrements[i];
    }

    /** The delta of adding {@code amount} (negative to decrement) at {@code replica}. */
    public PnCounter updateDelta(ReplicaId replica, long amount) {
        Objects.requireNonNull(replica, "replica");
        int i = SortedReplicas.indexOf(replicas, replica.value());
        long p = i >= 0 ? increments[i] : 0;
        long n = i >= 0 ? decrements[i] : 0;
        if (amount >= 0) {
            p = checkedAdd(p, amount);
        } else {
            n = checkedAdd(n, amount == Long.MIN_VALUE ? Long.MIN_VALUE : -amount);
        }
        return new PnCounter(new long[] {replica.value()}, new long[] {p}, new long[] {n});
    }

    /** The state after adding {@code amount} at {@code replica}. */
    public PnCounter update(ReplicaId replica, long amount) {
        PnCounter d = updateDelta(replica, amount);
        int i = SortedReplicas.indexOf(replicas, replica.value());
        if (i >= 0) {
            long[] ps = increments.clone();
            long[] ns = decrements.clone();
            ps[i] = d.increments[0];
            ns[i] = d.decrements[0];
            return new PnCounter(replicas, ps, ns);
        }
        int at = -(i + 1);
        return new PnCounter(SortedReplicas.insert(replicas, at, replica.value()), SortedReplicas.insert(increments, at, d.increments[0]),
            SortedReplicas.insert(decrements, at, d.decrements[0]));
    }

    @Override
    public PnCounter merge(PnCounter other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        if (isBottom()) {
            return other;
        }
        int n = replicas.length;
        int m = other.replicas.length;
        long[] rs = new long[n + m];
        long[] ps = new long[n + m];
        long[] ns = new long[n + m];
        int i = 0;
        int j = 0;
        int k = 0;
        boolean changed = false;
        while (i < n || j < m) {
            int c = i >= n ? 1 : j >= m ? -1 : Long.compareUnsigned(replicas[i], other.replicas[j]);
            if (c < 0) {
                rs[k] = replicas[i];
                ps[k] = increments[i];
                ns[k++] = decrements[i++];
            } else if (c > 0) {
                rs[k] = other.replicas[j];
                ps[k] = other.increments[j];
                ns[k++] = other.decrements[j++];
                changed = true;
            } else {
                rs[k] = replicas[i];
                ps[k] = Math.max(increments[i], other.increments[j]);
                ns[k] = Math.max(decrements[i], other.decrements[j]);
                changed |= ps[k] != increments[i] || ns[k] != decrements[i];
                k++;
                i++;
                j++;
            }
        }
        if (!changed) {
            return this;
        }
        return new PnCounter(Arrays.copyOf(rs, k), Arrays.copyOf(ps, k), Arrays.copyOf(ns, k));
    }

    private static long checkedAdd(long total, long amount) {
        long r = total + amount;
        if (r < 0) {
            throw new IllegalArgumentException("counter total would overflow");
        }
        return r;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PnCounter)) {
            return false;
        }
        PnCounter c = (PnCounter) o;
        return Arrays.equals(replicas, c.replicas) && Arrays.equals(increments, c.increments)
            && Arrays.equals(decrements, c.decrements);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(replicas) * 31 + Arrays.hashCode(increments)) * 31 + Arrays.hashCode(decrements);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PnCounter{");
        for (int i = 0; i < replicas.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(new ReplicaId(replicas[i])).append(": +").append(increments[i]).append("/-").append(decrements[i]);
        }
        return sb.append("} = ").append(value()).toString();
    }
}
