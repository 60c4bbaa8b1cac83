package dev.starling.crdt;

import java.util.Random;

/**
 * The identity of one replica: a 64-bit random number created once per data directory and kept for
 * its lifetime. Ordered as an unsigned number, so the order of ids matches the order of their
 * fixed-width hex strings ({@link #toString()}), which is the last tiebreak of {@link Hlc}.
 */
public record ReplicaId(long value) implements Comparable<ReplicaId> {

    /** A fresh id drawn from {@code random}; zero is avoided so an unset field never looks valid. */
    public static ReplicaId random(Random random) {
        long v;
        do {
            v = random.nextLong();
        } while (v == 0L);
        return new ReplicaId(v);
    }

    /** Parses the 16-digit hex form written by {@link #toString()}. */
    public static ReplicaId parse(String hex) {
        if (hex == null || hex.length() != 16) {
            throw new IllegalArgumentException("replica id must be 16 hex digits: " + hex);
        }
        try {
            return new ReplicaId(Long.parseUnsignedLong(hex, 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("replica id must be 16 hex digits: " + hex, e);
        }
    }

    @Override
    public int compareTo(ReplicaId other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        String hex = Long.toHexString(value);
        return "0".repeat(16 - hex.length()) + hex;
    }
}
