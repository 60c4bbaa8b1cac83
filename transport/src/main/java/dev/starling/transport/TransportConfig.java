package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the data plane needs, validated once by {@link Builder#build()} before anything
 * starts. Immutable. Two profiles: {@link #lan} (defaults for a real LAN) and {@link #local}
 * (tests and the local demo: short timeouts so failures show quickly).
 */
public final class TransportConfig {

    /** The protocol versions this build speaks. */
    public static final int MIN_PROTOCOL_VERSION = 1;
    public static final int MAX_PROTOCOL_VERSION = 1;
    /** Secrets shorter than this are refused: HMAC keys should have at least 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;
    /** Message types are 1..65535 (0 is reserved for the transport itself). */
    public static final int MAX_MESSAGE_TYPE = 0xFFFF;

    private final ReplicaId replica;
    private final String cluster;
    private final byte[] secret;
    private final String bindHost;
    private final int port;
    private final int maxFrameBytes;
    private final Map<Integer, Integer> maxPayloadBytesByType;
    private final int maxBatchBytes;
    private final int maxBatchMessages;
    private final int outboundQueueMessages;
    private final long outboundQueueBytes;
    private final int inboundQueueMessages;
    private final long inboundQueueBytes;
    private final Duration handshakeTimeout;
    private final Duration frameTimeout;
    private final Duration heartbeatInterval;
    private final Duration deadPeerTimeout;
    private final Duration reconnectMinBackoff;
    private final Duration reconnectMaxBackoff;
    private final int ioThreads;
    private final boolean preferEpoll;
    private final TlsConfig tls;
    private final InlineHandler inlineHandler;
    /** Bit set of the inline message types; null with a handler: every type is inline. */
    private final long[] inlineTypes;

    private TransportConfig(Builder b) {
        this.replica = b.replica;
        this.cluster = b.cluster;
        this.secret = b.secret.clone();
        this.bindHost = b.bindHost;
        this.port = b.port;
        this.maxFrameBytes = b.maxFrameBytes;
        this.maxPayloadBytesByType = Map.copyOf(b.maxPayloadBytesByType);
        this.maxBatchBytes = b.maxBatchBytes;
        this.maxBatchMessages = b.maxBatchMessages;
        this.outboundQueueMessages = b.outboundQueueMessages;
        this.outboundQueueBytes = b.outboundQueueBytes;
        this.inboundQueueMessages = b.inboundQueueMessages;
        this.inboundQueueBytes = b.inboundQueueBytes;
        this.handshakeTimeout = b.handshakeTimeout;
        this.frameTimeout = b.frameTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.deadPeerTimeout = b.deadPeerTimeout;
        this.reconnectMinBackoff = b.reconnectMinBackoff;
        this.reconnectMaxBackoff = b.reconnectMaxBackoff;
        this.ioThreads = b.ioThreads;
        this.preferEpoll = b.preferEpoll;
        this.tls = b.tls;
        this.inlineHandler = b.inlineHandler;
        if (b.inlineHandler == null || b.inlineTypes == null) {
            this.inlineTypes = null;
        } else {
            this.inlineTypes = new long[(MAX_MESSAGE_TYPE >>> 6) + 1];
            for (int type : b.inlineTypes) {
                inlineTypes[type >>> 6] |= 1L << type;
            }
        }
    }

    /** Defaults for a LAN: heartbeat 1 s, a silent peer is cut off after 5 s. */
    public static Builder lan(ReplicaId replica, String cluster, byte[] secret) {
        return new Builder(replica, cluster, secret);
    }

    /** Loopback tests and demos: the LAN defaults with timeouts short enough to see failures quickly. */
    public static Builder local(ReplicaId replica, String cluster, byte[] secret) {
        return new Builder(replica, cluster, secret)
            .handshakeTimeout(Duration.ofSeconds(2))
            .frameTimeout(Duration.ofSeconds(2))
            .heartbeatInterval(Duration.ofMillis(200))
            .deadPeerTimeout(Duration.ofSeconds(1))
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(500));
    }

    public ReplicaId replica() {
        return replica;
    }

    public String cluster() {
        return cluster;
    }

    byte[] secret() {
        return secret;
    }

    public String bindHost() {
        return bindHost;
    }

    public int port() {
        return port;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The largest payload accepted for messages of {@code type}. */
    public int maxPayloadBytes(int type) {
        if (maxPayloadBytesByType.isEmpty()) {
            return defaultMaxPayloadBytes(); // the common case, checked on every send and receive: no boxing, no lookup
        }
        Integer limit = maxPayloadBytesByType.get(type);
        return limit != null ? limit : defaultMaxPayloadBytes();
    }

    /** Frame room left for one payload: the frame minus the envelope of a one-message batch. */
    public int defaultMaxPayloadBytes() {
        return maxFrameBytes - 64;
    }

    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    public int maxBatchMessages() {
        return maxBatchMessages;
    }

    public int outboundQueueMessages() {
        return outboundQueueMessages;
    }

    public long outboundQueueBytes() {
        return outboundQueueBytes;
    }

    public int inboundQueueMessages() {
        return inboundQueueMessages;
    }

    public long inboundQueueBytes() {
        return inboundQueueBytes;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    public Duration frameTimeout() {
        return frameTimeout;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    public Duration deadPeerTimeout() {
        return deadPeerTimeout;
    }

    public Duration reconnectMinBackoff() {
        return reconnectMinBackoff;
    }

    public Duration reconnectMaxBackoff() {
        return reconnectMaxBackoff;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public boolean preferEpoll() {
        return preferEpoll;
    }

    /** TLS settings, or null for plain TCP (the handshake still authenticates peers). */
    public TlsConfig tls() {
        return tls;
    }

    /** The handler of the inline message types, or null: every message goes to the inbound queue. */
    public InlineHandler inlineHandler() {
        return inlineHandler;
    }

    /** Whether messages of {@code type} go to the {@link #inlineHandler} rather than the inbound queue. */
    public boolean isInline(int type) {
        if (inlineHandler == null) {
            return false;
        }
        long[] bits = inlineTypes;
        return bits == null || (type >= 0 && type <= MAX_MESSAGE_TYPE && (bits[type >>> 6] & 1L << type) != 0);
    }

    /** Builder; every setter documents its default and trade-off. */
    public static final class Builder {
        private final ReplicaId replica;
        private final String cluster;
        private final byte[] secret;
        private String bindHost = "127.0.0.1";
        private int port = 0;
        private int maxFrameBytes = 4 << 20;
        private final Map<Integer, Integer> maxPayloadBytesByType = new HashMap<>();
        private int maxBatchBytes = 64 << 10;
        private int maxBatchMessages = 1024;
        private int outboundQueueMessages = 16 * 1024;
        private long outboundQueueBytes = 16L << 20;
        private int inboundQueueMessages = 64 * 1024;
        private long inboundQueueBytes = 64L << 20;
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private Duration frameTimeout = Duration.ofSeconds(10);
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration deadPeerTimeout = Duration.ofSeconds(5);
        private Duration reconnectMinBackoff = Duration.ofMillis(100);
        private Duration reconnectMaxBackoff = Duration.ofSeconds(5);
        private int ioThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private boolean preferEpoll = true;
        private TlsConfig tls;
        private InlineHandler inlineHandler;
        private int[] inlineTypes;

        private Builder(ReplicaId replica, String cluster, byte[] secret) {
            this.replica = Objects.requireNonNull(replica, "replica");
            this.cluster = Objects.requireNonNull(cluster, "cluster");
            this.secret = Objects.requireNonNull(secret, "secret").clone();
        }

        /** Address to listen on (default 127.0.0.1). */
        public Builder bindHost(String host) {
            this.bindHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to listen on (default 0: the OS picks one; read it back from {@link Transport#localAddress()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Largest frame accepted or sent (default 4 MiB). The length prefix is checked before any
         * buffer grows, so this bounds the memory one connection can make the node hold.
         */
        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        /** Largest payload of one message type (default: what fits in a frame). */
        public Builder maxPayloadBytes(int type, int bytes) {
            this.maxPayloadBytesByType.put(type, bytes);
            return this;
        }

        /**
         * A batch frame is closed at this many payload bytes (default 64 KiB) or messages (default
         * 1024): larger batches amortise framing and syscalls, smaller ones cut the delay of the
         * last message in a burst.
         */
        public Builder maxBatch(int bytes, int messages) {
            this.maxBatchBytes = bytes;
            this.maxBatchMessages = messages;
            return this;
        }

        /**
         * Per-peer outbound queue bound (default 16384 messages and 16 MiB). A peer whose queue is
         * full is reported behind and further messages to it are dropped (and counted) until it
         * drains: memory never grows with a slow peer; the layer above repairs by anti-entropy.
         */
        public Builder outboundQueue(int messages, long bytes) {
            this.outboundQueueMessages = messages;
            this.outboundQueueBytes = bytes;
            return this;
        }

        /**
         * Bound of the queue to the consumer (default 65536 messages and 64 MiB). When it is full,
         * connections stop reading (TCP pushes back on senders) until the consumer catches up.
         */
        public Builder inboundQueue(int messages, long bytes) {
            this.inboundQueueMessages = messages;
            this.inboundQueueBytes = bytes;
            return this;
        }

        /** A connection that has not completed the handshake by then is closed (default 5 s). */
        public Builder handshakeTimeout(Duration d) {
            this.handshakeTimeout = d;
            return this;
        }

        /**
         * A frame must arrive whole within this time of its first byte (default 10 s): cuts off
         * peers that trickle a frame a byte at a time to hold buffers (slowloris).
         */
        public Builder frameTimeout(Duration d) {
            this.frameTimeout = d;
            return this;
        }

        /**
         * A ping is sent when nothing was written for this long (default 1 s), checked every eighth
         * of the shorter of this and the dead-peer timeout: up to a quarter later, never earlier.
         */
        public Builder heartbeatInterval(Duration d) {
            this.heartbeatInterval = d;
            return this;
        }

        /**
         * A connection on which nothing arrived for this long is closed as dead (default 5 s, i.e.
         * five missed heartbeats): noticed even before membership (SWIM) decides.
         */
        public Builder deadPeerTimeout(Duration d) {
            this.deadPeerTimeout = d;
            return this;
        }

        /**
         * Reconnect delay: doubles from {@code min} up to {@code max} (defaults 100 ms and 5 s),
         * each delay drawn uniformly from its upper half (jitter) so peers do not retry in step.
         */
        public Builder reconnectBackoff(Duration min, Duration max) {
            this.reconnectMinBackoff = min;
            this.reconnectMaxBackoff = max;
            return this;
        }

        /** Netty I/O threads (default: cores, at most 4). */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** Use native epoll when available (default true); NIO otherwise. */
        public Builder preferEpoll(boolean prefer) {
            this.preferEpoll = prefer;
            return this;
        }

        /** TLS or mutual TLS (default: none). */
        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Delivers every message type inline: to {@code handler} on the event loop thread that
         * decoded it, instead of to the inbound queue and {@link Transport#poll} (default: none,
         * every message is polled). For request/response traffic that needs the lowest round trip
         * (a controller asking a robot): it saves two thread hand-offs per direction. The price:
         * the handler must be non-blocking and thread-safe (contract in {@link InlineHandler}),
         * and its work runs on, and delays, the I/O threads. Replaces an earlier call.
         */
        public Builder inlineHandler(InlineHandler handler) {
            this.inlineHandler = Objects.requireNonNull(handler, "handler");
            this.inlineTypes = null;
            return this;
        }

        /**
         * Delivers only messages of {@code types} inline (see {@link #inlineHandler(InlineHandler)});
         * the others still go to the inbound queue, so the replica agent keeps polling replication
         * traffic while a control type is answered on the event loop. Replaces an earlier call.
         */
        public Builder inlineHandler(InlineHandler handler, int... types) {
            this.inlineHandler = Objects.requireNonNull(handler, "handler");
            this.inlineTypes = types.clone();
            return this;
        }

        /** Validates everything and builds the config. */
        public TransportConfig build() {
            if (cluster.isEmpty() || cluster.length() > 128) {
                throw new IllegalArgumentException("cluster name must be 1..128 characters");
            }
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("cluster secret must have at least " + MIN_SECRET_BYTES + " bytes");
            }
            if (Arrays.equals(secret, new byte[secret.length])) {
                throw new IllegalArgumentException("cluster secret must not be all zeros");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535: " + port);
            }
            if (maxFrameBytes < 1024 || maxFrameBytes > (256 << 20)) {
                throw new IllegalArgumentException("maxFrameBytes must be 1 KiB..256 MiB: " + maxFrameBytes);
            }
            for (Map.Entry<Integer, Integer> e : maxPayloadBytesByType.entrySet()) {
                if (e.getKey() < 1 || e.getKey() > MAX_MESSAGE_TYPE) {
                    throw new IllegalArgumentException("message type must be 1.." + MAX_MESSAGE_TYPE + ": " + e.getKey());
                }
                if (e.getValue() < 0 || e.getValue() > maxFrameBytes - 64) {
                    throw new IllegalArgumentException("payload limit of type " + e.getKey() + " must fit a frame");
                }
            }
            if (maxBatchBytes < 1 || maxBatchBytes > maxFrameBytes - 64 || maxBatchMessages < 1) {
                throw new IllegalArgumentException("batch limits must be positive and fit a frame");
            }
            if (outboundQueueMessages < 2 || outboundQueueBytes < maxFrameBytes) {
                throw new IllegalArgumentException("outbound queue must hold at least 2 messages and one frame");
            }
            if (inboundQueueMessages < 2 || inboundQueueBytes < maxFrameBytes) {
                throw new IllegalArgumentException("inbound queue must hold at least 2 messages and one frame");
            }
            requirePositive(handshakeTimeout, "handshakeTimeout");
            requirePositive(frameTimeout, "frameTimeout");
            requirePositive(heartbeatInterval, "heartbeatInterval");
            requirePositive(deadPeerTimeout, "deadPeerTimeout");
            requirePositive(reconnectMinBackoff, "reconnectMinBackoff");
            requirePositive(reconnectMaxBackoff, "reconnectMaxBackoff");
            if (deadPeerTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("deadPeerTimeout must be at least two heartbeat intervals");
            }
            if (reconnectMaxBackoff.compareTo(reconnectMinBackoff) < 0) {
                throw new IllegalArgumentException("reconnect max backoff must be >= min backoff");
            }
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads must be >= 1");
            }
            if (inlineTypes != null) {
                if (inlineTypes.length == 0) {
                    throw new IllegalArgumentException("no inline message types (inlineHandler(handler) makes every type inline)");
                }
                for (int type : inlineTypes) {
                    if (type < 1 || type > MAX_MESSAGE_TYPE) {
                        throw new IllegalArgumentException("inline message type must be 1.." + MAX_MESSAGE_TYPE + ": " + type);
                    }
                }
            }
            return new TransportConfig(this);
        }

        private static void requirePositive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }
}
