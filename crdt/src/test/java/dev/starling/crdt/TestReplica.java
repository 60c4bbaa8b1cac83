package dev.starling.crdt;

/** A replica id with its own hybrid logical clock on a virtual physical clock, for unit tests. */
final class TestReplica {

    final ReplicaId id;
    private final long[] physicalMs;
    private final HybridLogicalClock clock;

    private TestReplica(long id, long startMs) {
        this.id = new ReplicaId(id);
        this.physicalMs = new long[] {startMs};
        this.clock = new HybridLogicalClock(this.id, () -> physicalMs[0], 1_000);
    }

    static TestReplica of(long id, long startMs) {
        return new TestReplica(id, startMs);
    }

    /** A fresh HLC from this replica's clock. */
    Hlc now() {
        return clock.now();
    }

    TestReplica advance(long ms) {
        physicalMs[0] += ms;
        return this;
    }

    HybridLogicalClock clock() {
        return clock;
    }
}
