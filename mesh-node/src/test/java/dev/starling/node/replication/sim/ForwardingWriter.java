package dev.starling.node.replication.sim;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.replication.StateWriter;

/** A {@link StateWriter} that passes everything on; subclasses watch what they need. */
class ForwardingWriter implements StateWriter {

    private final StateWriter next;

    ForwardingWriter(StateWriter next) {
        this.next = next;
    }

    @Override
    public StateWriter putObject(String storeKey, byte[] value) {
        next.putObject(storeKey, value);
        return this;
    }

    @Override
    public StateWriter deleteObject(String storeKey) {
        next.deleteObject(storeKey);
        return this;
    }

    @Override
    public StateWriter putMeta(String key, byte[] value) {
        next.putMeta(key, value);
        return this;
    }

    @Override
    public StateWriter deleteMeta(String key) {
        next.deleteMeta(key);
        return this;
    }

    @Override
    public StateWriter putAck(ReplicaId peer, long seq) {
        next.putAck(peer, seq);
        return this;
    }

    @Override
    public StateWriter deleteAck(ReplicaId peer) {
        next.deleteAck(peer);
        return this;
    }

    @Override
    public StateWriter putHlcHighWaterMark(Hlc hlc) {
        next.putHlcHighWaterMark(hlc);
        return this;
    }

    @Override
    public StateWriter appendDelta(long seq, byte[] delta) {
        next.appendDelta(seq, delta);
        return this;
    }

    @Override
    public StateWriter trimDeltasBefore(long seq) {
        next.trimDeltasBefore(seq);
        return this;
    }
}
