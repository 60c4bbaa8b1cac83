package dev.starling.transport;

import dev.starling.crdt.ReplicaId;

/**
 * Connection events for the layer above. Called on Netty I/O threads: implementations must not
 * block (hand the event to the replica agent's queue).
 */
public interface TransportListener {

    /** An authenticated connection to {@code peer} is up. */
    default void onConnected(ReplicaId peer) {
    }

    /** The connection to {@code peer} closed; the transport reconnects if it knows the address. */
    default void onDisconnected(ReplicaId peer, String reason) {
    }

    /**
     * Messages to {@code peer} were or are being lost: its outbound queue overflowed (messages are
     * dropped until it drains), or a connection carrying messages to it was replaced by a duplicate.
     * The layer above should plan an anti-entropy round with it.
     */
    default void onBehind(ReplicaId peer) {
    }

    /** A peer that was behind has drained its queue and receives messages again. */
    default void onDrained(ReplicaId peer) {
    }

    TransportListener NONE = new TransportListener() {
    };
}
