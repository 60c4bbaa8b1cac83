package dev.starling.node.replication;

import dev.starling.crdt.ReplicaId;

/**
 * The outputs of a {@link Replicator} step. The caller (the node's agent, or the simulator) commits
 * {@link #store()} after the step, then sends the messages, then reports completions: a peer never
 * receives an acknowledgement of state that is not yet stored.
 */
public interface Effects {

    /** Queues a message to a peer; {@code type} is one of {@link MessageTypes}. */
    void send(ReplicaId peer, int type, byte[] payload);

    /** The writes of this step. */
    StateWriter store();

    /** Reports an applied change. */
    void changed(Change change);

    /**
     * Reports the end of a write acknowledgement: the level was met with {@code ackedPeers} peers, or
     * the timeout passed (or too few peers are alive to meet it) with {@code ackedPeers} confirmed.
     */
    void writeCompleted(long writeId, int ackedPeers, boolean levelMet);
}
