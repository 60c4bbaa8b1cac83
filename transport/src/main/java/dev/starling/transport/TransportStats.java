package dev.starling.transport;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Node-wide counters of the data plane, including those of peers that never authenticated. */
public final class TransportStats {

    /** Why a connection was closed before or after the handshake. */
    public enum CloseReason {
        WRONG_SECRET, WRONG_CLUSTER, UNSUPPORTED_VERSION, PROTOCOL_VIOLATION, HANDSHAKE_TIMEOUT,
        SELF_CONNECTION, MALFORMED_FRAME, FRAME_TOO_LONG, FRAME_TIMEOUT, UNAUTHENTICATED_FRAME,
        DEAD_PEER, DUPLICATE_CONNECTION, TLS_FAILURE
    }

    private final Map<CloseReason, LongAdder> closes = new EnumMap<>(CloseReason.class);
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder connectionsEstablished = new LongAdder();
    final LongAdder inboundPauses = new LongAdder();
    final LongAdder inlineHandlerFailures = new LongAdder();

    TransportStats() {
        for (CloseReason r : CloseReason.values()) {
            closes.put(r, new LongAdder());
        }
    }

    void count(CloseReason reason) {
        closes.get(reason).increment();
    }

    /** Connections closed for {@code reason}. */
    public long closes(CloseReason reason) {
        return closes.get(reason).sum();
    }

    /** Failed handshakes, all reasons. */
    public long handshakeFailures() {
        return closes(CloseReason.WRONG_SECRET) + closes(CloseReason.WRONG_CLUSTER)
            + closes(CloseReason.UNSUPPORTED_VERSION) + closes(CloseReason.HANDSHAKE_TIMEOUT)
            + closes(CloseReason.SELF_CONNECTION) + closes(CloseReason.UNAUTHENTICATED_FRAME)
            + closes(CloseReason.TLS_FAILURE);
    }

    /** Frames refused as malformed, too long or too slow. */
    public long badFrames() {
        return closes(CloseReason.MALFORMED_FRAME) + closes(CloseReason.FRAME_TOO_LONG)
            + closes(CloseReason.FRAME_TIMEOUT);
    }

    public long connectionsAccepted() {
        return connectionsAccepted.sum();
    }

    public long connectionsEstablished() {
        return connectionsEstablished.sum();
    }

    /** Times a connection stopped reading because the consumer's queue was full. */
    public long inboundPauses() {
        return inboundPauses.sum();
    }

    /** Messages whose {@link InlineHandler} threw (each counts as delivered; the connection stays up). */
    public long inlineHandlerFailures() {
        return inlineHandlerFailures.sum();
    }

    @Override
    public String toString() {
        return "TransportStats{accepted=" + connectionsAccepted() + ", established=" + connectionsEstablished()
            + ", closes=" + closes + ", inboundPauses=" + inboundPauses() + ", inlineHandlerFailures="
            + inlineHandlerFailures() + "}";
    }
}
