package dev.starling.transport;

import dev.starling.crdt.ReplicaId;

/** A message received from an authenticated peer. The payload array belongs to the receiver. */
public record InboundMessage(ReplicaId sender, int type, byte[] payload) {
}
