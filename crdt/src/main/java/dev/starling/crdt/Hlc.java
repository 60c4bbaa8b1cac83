package dev.starling.crdt;

import java.util.Objects;

/**
 * A hybrid logical clock timestamp [1]: physical wall time in milliseconds, a logical counter that
 * orders events within one millisecond, and the replica that issued it as the final tiebreak. Two
 * timestamps issued by one replica's {@link HybridLogicalClock} are never equal, so an HLC names
 * exactly one write and a last-writer-wins choice between two writes is total and deterministic.
 *
 * <p>The string form is fixed-width lowercase hex, {@code pppppppppppp-llll-rrrrrrrrrrrrrrrr}
 * (48-bit physical, 16-bit logical, 64-bit replica), so comparing two strings lexicographically
 * gives the same answer as {@link #compareTo(Hlc)}.
 *
 * <p>[1] S. Kulkarni, M. Demirbas et al., "Logical Physical Clocks and Consistent Snapshots in
 * Globally Distributed Databases", OPODIS 2014.
 */
public final class Hlc implements Comparable<Hlc> {

    /** Physical time is kept in 48 bits: enough for dates until the year 10889. */
    public static final long MAX_PHYSICAL_MS = (1L << 48) - 1;
    /** The logical counter is kept in 16 bits; the clock moves physical time on when it would overflow. */
    public static final int MAX_LOGICAL = 0xFFFF;
    /** Length of {@link #toString()}. */
    public static final int STRING_LENGTH = 12 + 1 + 4 + 1 + 16;

    private final long physicalMs;
    private final int logical;
    private final ReplicaId replica;

    public Hlc(long physicalMs, int logical, ReplicaId replica) {
        if (physicalMs < 0 || physicalMs > MAX_PHYSICAL_MS) {
            throw new IllegalArgumentException("physical time out of range: " + physicalMs);
        }
        if (logical < 0 || logical > MAX_LOGICAL) {
            throw new IllegalArgumentException("logical counter out of range: " + logical);
        }
        this.physicalMs = physicalMs;
        this.logical = logical;
        this.replica = Objects.requireNonNull(replica, "replica");
    }

    public long physicalMs() {
        return physicalMs;
    }

    public int logical() {
        return logical;
    }

    public ReplicaId replica() {
        return replica;
    }

    /** Physical and logical parts packed into one long, in clock order (replica not included). */
    public long packedTime() {
        return (physicalMs << 16) | logical;
    }

    public boolean isAfter(Hlc other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Hlc other) {
        int c = Long.compare(physicalMs, other.physicalMs);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(logical, other.logical);
        if (c != 0) {
            return c;
        }
        return replica.compareTo(other.replica);
    }

    /** The later of two timestamps (either may be null). */
    public static Hlc max(Hlc a, Hlc b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Parses the fixed-width string written by {@link #toString()}. */
    public static Hlc parse(String s) {
        if (s == null || s.length() != STRING_LENGTH || s.charAt(12) != '-' || s.charAt(17) != '-') {
            throw new IllegalArgumentException("not an HLC string: " + s);
        }
        try {
            long physical = Long.parseLong(s.substring(0, 12), 16);
            int logical = Integer.parseInt(s.substring(13, 17), 16);
            return new Hlc(physical, logical, ReplicaId.parse(s.substring(18)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an HLC string: " + s, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Hlc)) {
            return false;
        }
        Hlc h = (Hlc) o;
        return physicalMs == h.physicalMs && logical == h.logical && replica.equals(h.replica);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(packedTime()) * 31 + replica.hashCode();
    }

    @Override
    public String toString() {
        return hex(physicalMs, 12) + '-' + hex(logical, 4) + '-' + replica;
    }

    private static String hex(long v, int width) {
        String h = Long.toHexString(v);
        return "0".repeat(width - h.length()) + h;
    }
}
