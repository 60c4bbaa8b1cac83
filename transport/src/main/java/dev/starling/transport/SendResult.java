package dev.starling.transport;

/** What {@link Transport#send} did with a message. */
public enum SendResult {
    /** Queued for the peer (it is sent once connected). */
    QUEUED,
    /** The peer's queue is full: the message was dropped and counted, the peer is behind. */
    DROPPED_BEHIND,
    /** No such peer (never connected, or forgotten): nothing was queued. */
    UNKNOWN_PEER
}
