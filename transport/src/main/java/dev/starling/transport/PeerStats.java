package dev.starling.transport;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one peer; read from any thread. */
public final class PeerStats {

    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder messagesIn = new LongAdder();
    final LongAdder messagesOut = new LongAdder();
    final LongAdder framesIn = new LongAdder();
    final LongAdder framesOut = new LongAdder();
    final LongAdder drops = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder handshakeFailures = new LongAdder();
    private final Peer peer;

    PeerStats(Peer peer) {
        this.peer = peer;
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    public long messagesIn() {
        return messagesIn.sum();
    }

    public long messagesOut() {
        return messagesOut.sum();
    }

    public long framesIn() {
        return framesIn.sum();
    }

    public long framesOut() {
        return framesOut.sum();
    }

    /** Messages dropped because the peer's outbound queue was full. */
    public long drops() {
        return drops.sum();
    }

    /** Reconnect attempts made to this peer. */
    public long reconnects() {
        return reconnects.sum();
    }

    /** Handshakes with this peer that failed (when the peer's id was known). */
    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    /** Messages waiting in the outbound queue. */
    public int queueDepth() {
        return peer.queueDepth();
    }

    /** Bytes of payload waiting in the outbound queue. */
    public long queuedBytes() {
        return peer.queuedBytes();
    }

    public boolean behind() {
        return peer.isBehind();
    }

    public boolean connected() {
        return peer.isConnected();
    }

    @Override
    public String toString() {
        return "PeerStats{in=" + messagesIn() + " msgs/" + bytesIn() + " B, out=" + messagesOut() + " msgs/"
            + bytesOut() + " B, queue=" + queueDepth() + ", drops=" + drops() + ", reconnects=" + reconnects()
            + ", handshakeFailures=" + handshakeFailures() + ", behind=" + behind() + "}";
    }
}
