package dev.starling.node.replication;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.store.Batch;

/**
 * The writes of one replicator step, committed atomically by the caller after the step and before
 * any message of the step is sent (so a peer never sees an ack for something that is not stored).
 * The node's {@link Batch} implements it. Byte arrays passed in must not change afterwards.
 */
public interface StateWriter {

    StateWriter putObject(String storeKey, byte[] value);

    StateWriter deleteObject(String storeKey);

    StateWriter putMeta(String key, byte[] value);

    StateWriter deleteMeta(String key);

    StateWriter putAck(ReplicaId peer, long seq);

    StateWriter deleteAck(ReplicaId peer);

    StateWriter putHlcHighWaterMark(Hlc hlc);

    /** Appends a delta; {@code seq} must be greater than every sequence appended before. */
    StateWriter appendDelta(long seq, byte[] delta);

    StateWriter trimDeltasBefore(long seq);
}
