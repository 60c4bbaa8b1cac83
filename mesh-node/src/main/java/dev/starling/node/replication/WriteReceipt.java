package dev.starling.node.replication;

import dev.starling.crdt.Hlc;

/**
 * What a local write got: its id (the delta's sequence in this node's log, which acks refer to),
 * its HLC, and how many peers its ack level asks for (0 for {@code local}; for {@code all}, the
 * peers alive when it was made). Its completion is reported by {@link Effects#writeCompleted}.
 */
public record WriteReceipt(long writeId, Hlc hlc, int requiredPeers) {
}
