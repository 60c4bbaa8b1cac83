package dev.starling.transport;

import dev.starling.crdt.ReplicaId;

/** Consumes received messages of the polled types, on the thread that calls {@link Transport#poll}. */
@FunctionalInterface
public interface MessageHandler {

    void onMessage(ReplicaId sender, int type, byte[] payload);
}
