package dev.starling.crdt;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The local hybrid logical clock of one replica (see {@link Hlc} for the timestamp and its paper).
 * Not thread-safe: it belongs to the replica's single writer. Physical time is injected, so tests
 * and the simulator drive it with virtual time.
 *
 * <p>Remote timestamps are folded in with {@link #observe(Hlc)}. A remote physical time more than
 * {@code maxDriftMs} ahead of local physical time is not adopted: the clock advances only to
 * {@code local + maxDriftMs}, the event is counted, and the caller is told, so that it can refuse
 * or flag the write. Without this bound one replica with a clock set a year ahead would drag every
 * clock a year ahead and win every last-writer-wins race until then.
 */
public final class HybridLogicalClock {

    /** What {@link #observe(Hlc)} did with a remote timestamp. */
    public enum Observation {
        /** The remote timestamp was within the drift bound and was folded in. */
        ACCEPTED,
        /** The remote timestamp was too far ahead; the clock advanced only to the drift bound. */
        CLAMPED
    }

    private final ReplicaId replica;
    private final LongSupplier physicalClockMs;
    private final long maxDriftMs;
    private long lastPhysicalMs;
    private int lastLogical;
    private long clampedCount;

    /**
     * @param replica the replica whose timestamps this clock issues
     * @param physicalClockMs wall clock in milliseconds since the epoch (for example {@code System::currentTimeMillis})
     * @param maxDriftMs how far ahead of local physical time a remote timestamp may be before it is clamped
     */
    public HybridLogicalClock(ReplicaId replica, LongSupplier physicalClockMs, long maxDriftMs) {
        this.replica = Objects.requireNonNull(replica, "replica");
        this.physicalClockMs = Objects.requireNonNull(physicalClockMs, "physicalClockMs");
        if (maxDriftMs < 0) {
            throw new IllegalArgumentException("maxDriftMs must be >= 0: " + maxDriftMs);
        }
        this.maxDriftMs = maxDriftMs;
    }

    public ReplicaId replica() {
        return replica;
    }

    public long maxDriftMs() {
        return maxDriftMs;
    }

    /** Number of remote timestamps that were too far ahead and were clamped. */
    public long clampedCount() {
        return clampedCount;
    }

    /** The newest timestamp this clock has issued or observed (its high-water mark), or null. */
    public Hlc highWaterMark() {
        if (lastPhysicalMs == 0 && lastLogical == 0) {
            return null;
        }
        return new Hlc(lastPhysicalMs, lastLogical, replica);
    }

    /** Restores the high-water mark kept by a previous run, so no timestamp is ever issued twice. */
    public void restore(Hlc highWaterMark) {
        if (highWaterMark != null) {
            advanceTo(highWaterMark.physicalMs(), highWaterMark.logical());
        }
    }

    /** A new timestamp for a local event, later than every timestamp issued or observed so far. */
    public Hlc now() {
        long pt = physicalNow();
        if (pt > lastPhysicalMs) {
            lastPhysicalMs = pt;
            lastLogical = 0;
        } else {
            tickLogical();
        }
        return new Hlc(lastPhysicalMs, lastLogical, replica);
    }

    /** True when {@code remote} is more than the allowed drift ahead of local physical time. */
    public boolean isTooFarAhead(Hlc remote) {
        return remote.physicalMs() - physicalNow() > maxDriftMs;
    }

    /**
     * Folds a received timestamp into the clock, so later local timestamps order after it. A remote
     * timestamp too far ahead is clamped to the drift bound and counted.
     */
    public Observation observe(Hlc remote) {
        long pt = physicalNow();
        long limit = maxDriftMs >= Hlc.MAX_PHYSICAL_MS - pt ? Hlc.MAX_PHYSICAL_MS : pt + maxDriftMs;
        Observation result = Observation.ACCEPTED;
        long remotePhysical = remote.physicalMs();
        int remoteLogical = remote.logical();
        if (remotePhysical > limit) {
            clampedCount++;
            result = Observation.CLAMPED;
            remotePhysical = limit;
            remoteLogical = 0;
        }
        advanceTo(remotePhysical, remoteLogical);
        return result;
    }

    private void advanceTo(long physicalMs, int logical) {
        if (physicalMs > lastPhysicalMs || (physicalMs == lastPhysicalMs && logical > lastLogical)) {
            lastPhysicalMs = physicalMs;
            lastLogical = logical;
        }
    }

    private void tickLogical() {
        if (lastLogical == Hlc.MAX_LOGICAL) {
            lastPhysicalMs++;
            lastLogical = 0;
        } else {
            lastLogical++;
        }
    }

    private long physicalNow() {
        long pt = physicalClockMs.getAsLong();
        if (pt < 0) {
            return 0;
        }
        return Math.min(pt, Hlc.MAX_PHYSICAL_MS);
    }
}
