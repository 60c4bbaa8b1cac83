package dev.starling.node.replication;

import dev.starling.crdt.codec.DecodeLimits;
import java.util.Objects;

/**
 * Settings of a {@link Replicator}, immutable and validated in one place ({@link Builder#build()}).
 * The clock drift bound is not here: it belongs to the {@code HybridLogicalClock} the replicator is
 * given. {@link #lan()} and {@link #local()} differ only in timings.
 */
public final class ReplicatorConfig {

    /**
     * How long a pushed delta may stay unacknowledged before the un-acked interval of the log is sent
     * again (to alive peers). Lower: faster repair of a lost message, more duplicate traffic when acks
     * are merely slow. A few round trips of the LAN plus the receiver's commit delay is enough.
     */
    private final long resendIntervalMs;
    /**
     * Mean period of the background anti-entropy round with one random alive peer (drawn uniformly
     * from 0.5 to 1.5 times this). Rounds also start at once on peer up, peer behind, and a resend
     * that finds the log trimmed. A round between equal replicas costs one round trip of ~60 bytes.
     */
    private final long antiEntropyIntervalMs;
    /** Above {@link #relayAboveMeshSize} alive peers, a local delta is pushed to this many random peers. */
    private final int fanOut;
    /**
     * While at most this many peers are alive, local deltas go to all of them and nobody relays;
     * above it, to {@link #fanOut} random peers, and every receiver relays a delta that changed its
     * state to {@link #fanOut} others (epidemic push; resends still come from the origin).
     */
    private final int relayAboveMeshSize;
    /**
     * Soft bound of one replication message's payload: resend batches, anti-entropy bucket lists and
     * entry exchanges are cut into messages of at most this size. A single record or entry larger
     * than this travels alone. Keep it well under the transport's frame limit (4 MiB).
     */
    private final int maxMessageBytes;
    /** Most DELTAS messages one resend sends to one peer (the rest follows one interval later). */
    private final int maxDeltaBatchMessages;
    /**
     * Whether acks, receive positions and pushes wait for {@link Replicator#flush}: then a peer gets
     * one ack per flush however many messages of it arrived, the positions are stored once, and the
     * local writes since the last flush are pushed as one interval of the log (cut at
     * {@code maxMessageBytes}) instead of one message each. The node turns it on and flushes at the end of every agent cycle;
     * off (the default), every received message is acked within its own step.
     */
    private final boolean coalesceAcks;
    /**
     * Anti-entropy: a divergent bucket holding at most this many entries on the answering side is
     * answered with its entry list (key hash + digest, 12 bytes each) instead of its 16 child sums
     * (4 bytes each): lower means fewer bytes for sparse divergence, more round trips.
     */
    private final int aeLeafEntries;
    /** Most key hashes one AE_REQUEST may ask for (a bigger request is refused as hostile). */
    private final int maxAeRequestHashes;
    /** Bounds applied to every CRDT state and delta received (keys, values, dots per entry). */
    private final DecodeLimits decodeLimits;

    private ReplicatorConfig(Builder b) {
        this.resendIntervalMs = b.resendIntervalMs;
        this.antiEntropyIntervalMs = b.antiEntropyIntervalMs;
        this.fanOut = b.fanOut;
        this.relayAboveMeshSize = b.relayAboveMeshSize;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxDeltaBatchMessages = b.maxDeltaBatchMessages;
        this.coalesceAcks = b.coalesceAcks;
        this.aeLeafEntries = b.aeLeafEntries;
        this.maxAeRequestHashes = b.maxAeRequestHashes;
        this.decodeLimits = b.decodeLimits;
    }

    /** LAN defaults: resend after 500 ms, anti-entropy every ~10 s, relay above 16 peers, 1 MiB messages. */
    public static ReplicatorConfig lan() {
        return builder().build();
    }

    /** Loopback and tests: resend after 100 ms, anti-entropy every ~1 s. */
    public static ReplicatorConfig local() {
        return builder().resendIntervalMs(100).antiEntropyIntervalMs(1000).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
            .resendIntervalMs(resendIntervalMs)
            .antiEntropyIntervalMs(antiEntropyIntervalMs)
            .fanOut(fanOut)
            .relayAboveMeshSize(relayAboveMeshSize)
            .maxMessageBytes(maxMessageBytes)
            .maxDeltaBatchMessages(maxDeltaBatchMessages)
            .coalesceAcks(coalesceAcks)
            .aeLeafEntries(aeLeafEntries)
            .maxAeRequestHashes(maxAeRequestHashes)
            .decodeLimits(decodeLimits);
    }

    public long resendIntervalMs() {
        return resendIntervalMs;
    }

    public long antiEntropyIntervalMs() {
        return antiEntropyIntervalMs;
    }

    public int fanOut() {
        return fanOut;
    }

    public int relayAboveMeshSize() {
        return relayAboveMeshSize;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public int maxDeltaBatchMessages() {
        return maxDeltaBatchMessages;
    }

    public boolean coalesceAcks() {
        return coalesceAcks;
    }

    public int aeLeafEntries() {
        return aeLeafEntries;
    }

    public int maxAeRequestHashes() {
        return maxAeRequestHashes;
    }

    public DecodeLimits decodeLimits() {
        return decodeLimits;
    }

    @Override
    public String toString() {
        return "ReplicatorConfig{resendIntervalMs=" + resendIntervalMs + ", antiEntropyIntervalMs=" + antiEntropyIntervalMs
            + ", fanOut=" + fanOut + ", relayAboveMeshSize=" + relayAboveMeshSize + ", maxMessageBytes=" + maxMessageBytes
            + ", maxDeltaBatchMessages=" + maxDeltaBatchMessages + ", coalesceAcks=" + coalesceAcks + ", aeLeafEntries=" + aeLeafEntries
            + ", maxAeRequestHashes=" + maxAeRequestHashes + ", decodeLimits=" + decodeLimits + '}';
    }

    /** Builder with the {@link #lan()} defaults. */
    public static final class Builder {
        private long resendIntervalMs = 500;
        private long antiEntropyIntervalMs = 10_000;
        private int fanOut = 3;
        private int relayAboveMeshSize = 16;
        private int maxMessageBytes = 1 << 20;
        private int maxDeltaBatchMessages = 16;
        private boolean coalesceAcks;
        private int aeLeafEntries = 8;
        private int maxAeRequestHashes = 65_536;
        private DecodeLimits decodeLimits = DecodeLimits.DEFAULT;

        private Builder() {
        }

        public Builder resendIntervalMs(long ms) {
            this.resendIntervalMs = ms;
            return this;
        }

        public Builder antiEntropyIntervalMs(long ms) {
            this.antiEntropyIntervalMs = ms;
            return this;
        }

        public Builder fanOut(int n) {
            this.fanOut = n;
            return this;
        }

        public Builder relayAboveMeshSize(int n) {
            this.relayAboveMeshSize = n;
            return this;
        }

        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        public Builder coalesceAcks(boolean on) {
            this.coalesceAcks = on;
            return this;
        }

        public Builder maxDeltaBatchMessages(int n) {
            this.maxDeltaBatchMessages = n;
            return this;
        }

        public Builder aeLeafEntries(int n) {
            this.aeLeafEntries = n;
            return this;
        }

        public Builder maxAeRequestHashes(int n) {
            this.maxAeRequestHashes = n;
            return this;
        }

        public Builder decodeLimits(DecodeLimits limits) {
            this.decodeLimits = limits;
            return this;
        }

        /** Checks every field and builds; throws {@link IllegalArgumentException} naming the bad one. */
        public ReplicatorConfig build() {
            require(resendIntervalMs >= 1, "resendIntervalMs must be >= 1: " + resendIntervalMs);
            require(antiEntropyIntervalMs >= 1, "antiEntropyIntervalMs must be >= 1: " + antiEntropyIntervalMs);
            require(fanOut >= 1, "fanOut must be >= 1: " + fanOut);
            require(relayAboveMeshSize >= fanOut, "relayAboveMeshSize must be >= fanOut: " + relayAboveMeshSize);
            require(maxMessageBytes >= 4096 && maxMessageBytes <= (3 << 20),
                "maxMessageBytes must be in 4 KiB..3 MiB (under the transport's 4 MiB frame): " + maxMessageBytes);
            require(maxDeltaBatchMessages >= 1, "maxDeltaBatchMessages must be >= 1: " + maxDeltaBatchMessages);
            require(aeLeafEntries >= 1 && aeLeafEntries <= 4096, "aeLeafEntries must be in 1..4096: " + aeLeafEntries);
            require(maxAeRequestHashes >= 1, "maxAeRequestHashes must be >= 1: " + maxAeRequestHashes);
            Objects.requireNonNull(decodeLimits, "decodeLimits");
            return new ReplicatorConfig(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
