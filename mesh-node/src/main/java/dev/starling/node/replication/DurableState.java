package dev.starling.node.replication;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.store.Store;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * What the {@link Replicator} reads of committed durable state: everything at start, and the delta
 * log for resends later. The node's LMDB {@link Store} implements it; the simulator has an
 * in-memory implementation whose crash keeps exactly the committed steps.
 */
public interface DurableState {

    ReplicaId replicaId();

    /** The HLC high-water mark, or {@code null} in a new directory. */
    Hlc hlcHighWaterMark();

    /** Every stored entry: its store key and the bytes the replicator wrote for it. */
    void forEachObject(BiConsumer<String, byte[]> action);

    /** A free-form entry the replicator wrote with {@link StateWriter#putMeta}, or {@code null}. */
    byte[] meta(String key);

    /** Per peer, the highest sequence of our delta log that it acknowledged. */
    Map<ReplicaId, Long> acks();

    /** The first sequence still in the delta log, or {@code lastDeltaSeq() + 1} if it is empty. */
    long firstDeltaSeq();

    /** The last sequence ever appended (0 if none); survives trims and restarts. */
    long lastDeltaSeq();

    /**
     * Visits the logged deltas with sequence ≥ {@code fromSeq} in order until the visitor returns
     * false; returns the number visited.
     */
    long forEachDelta(long fromSeq, Store.DeltaVisitor visitor);
}
