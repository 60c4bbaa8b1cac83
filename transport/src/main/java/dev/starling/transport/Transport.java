package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane of one node: authenticated connections to peers over Netty, per-peer bounded
 * outbound queues with batching, and one bounded inbound queue drained by a single consumer.
 *
 * <p>Threads: Netty I/O threads run the pipelines; any thread may {@link #send}; exactly one
 * thread (the replica agent) calls {@link #poll}. Payloads are opaque bytes tagged with a message
 * type (1..65535) chosen by the layer above.
 *
 * <p>Delivery modes, per message type: polled (the default) through the inbound queue and
 * {@link #poll}; or inline, to the {@link InlineHandler} of the config on the I/O thread that
 * decoded the message ({@link TransportConfig.Builder#inlineHandler}), for request/response traffic
 * whose round trip must be as short as a bare Netty echo's. A {@code send} from an inline handler
 * to a peer served by the same I/O thread is written when the handler has handled its frame,
 * without a wake-up.
 *
 * <p>Pipeline per connection (inbound top to bottom):
 * <pre>
 *   [SslHandler]        optional TLS / mTLS
 *   IdleTracker         counts reads and writes; the transport's IdleMonitor thread turns silence
 *                       into heartbeats and dead-peer closes (any bytes read count as life)
 *   FrameDecoder        4-byte length prefix, max frame size (fail-fast), frame timeout
 *   FrameEncoder        (outbound) control frames; batches are pre-encoded buffers
 *   EnvelopeDecoder     frame bytes -> FrameProto (bounded recursion)
 *   PeerConnection      handshake, then messages -> inbound queue
 * </pre>
 */
public final class Transport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

    private final TransportConfig config;
    private final TransportListener listener;
    private final TransportStats stats = new TransportStats();
    private final HandshakeAuth auth;
    private final ConcurrentHashMap<ReplicaId, Peer> peers = new ConcurrentHashMap<>();
    private final MpscArrayQueue<InboundMessage> inbound;
    /** Messages taken or reserved in the inbound queue (its capacity is rounded up to a power of two). */
    private final AtomicInteger inboundMessages = new AtomicInteger();
    private final AtomicLong inboundBytes = new AtomicLong();
    private final EventLoopGroup group;
    /** The transport's timer thread: idle events of every connection, reconnect backoff. */
    private final IdleMonitor idle;
    private final Class<? extends ServerChannel> serverChannelType;
    private final Class<? extends Channel> channelType;
    private final SslContext serverSsl;
    private final SslContext clientSsl;
    private volatile boolean running;
    private Channel serverChannel;

    public Transport(TransportConfig config, TransportListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.auth = new HandshakeAuth(config.secret(), new SecureRandom());
        this.inbound = new MpscArrayQueue<>(config.inboundQueueMessages());
        boolean epoll = config.preferEpoll() && Epoll.isAvailable();
        this.group = epoll ? new EpollEventLoopGroup(config.ioThreads()) : new NioEventLoopGroup(config.ioThreads());
        this.serverChannelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        try {
            this.serverSsl = config.tls() == null ? null : config.tls().serverContext();
            this.clientSsl = config.tls() == null ? null : config.tls().clientContext();
        } catch (SSLException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalArgumentException("invalid TLS configuration: " + e.getMessage(), e);
        }
        this.idle = IdleMonitor.start("starling-timer-" + config.replica(), config.deadPeerTimeout().toNanos(),
            config.heartbeatInterval().toNanos());
    }

    /** Binds the listening socket. */
    public synchronized void start() throws InterruptedException {
        if (running) {
            return;
        }
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(serverChannelType)
            .option(ChannelOption.SO_BACKLOG, 256)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
            .childHandler(initializer(false, null));
        ChannelFuture bind = b.bind(config.bindHost(), config.port()).sync();
        serverChannel = bind.channel();
        running = true;
        LOG.info("data plane listening on {}", serverChannel.localAddress());
        // Peers given to connect() before start() were only remembered: dial them now.
        for (Peer p : peers.values()) {
            attemptConnect(p);
        }
    }

    /** The bound address (after {@link #start()}). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public TransportConfig config() {
        return config;
    }

    public TransportStats stats() {
        return stats;
    }

    /** Counters of {@code peer}, or null when unknown. */
    public PeerStats stats(ReplicaId peer) {
        Peer p = peers.get(peer);
        return p == null ? null : p.stats;
    }

    public boolean isConnected(ReplicaId peer) {
        Peer p = peers.get(peer);
        return p != null && p.isConnected();
    }

    /**
     * Remembers that {@code peer} listens at {@code address}, connects, and keeps reconnecting
     * (capped exponential backoff with jitter) whenever the connection is lost, until
     * {@link #forget}.
     */
    public void connect(ReplicaId peer, InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (peer.equals(config.replica())) {
            throw new IllegalArgumentException("cannot connect to self");
        }
        Peer p = peers.computeIfAbsent(peer, id -> new Peer(id, this, config));
        p.address(address);
        attemptConnect(p);
    }

    /** Stops talking to {@code peer}: closes its connection, drops its queue, stops reconnecting. */
    public void forget(ReplicaId peer) {
        Peer p = peers.remove(peer);
        if (p != null) {
            p.forget();
        }
    }

    /**
     * Queues a message for {@code peer}; never blocks. A full queue drops the message (the peer is
     * reported behind, see {@link TransportListener#onBehind}).
     *
     * @throws IllegalArgumentException for a type outside 1..65535 or a payload over its limit
     */
    public SendResult send(ReplicaId peer, int type, byte[] payload) {
        if (type < 1 || type > TransportConfig.MAX_MESSAGE_TYPE) {
            throw new IllegalArgumentException("message type must be 1.." + TransportConfig.MAX_MESSAGE_TYPE + ": " + type);
        }
        if (payload.length > config.maxPayloadBytes(type)) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes over the limit of type "
                + type + " (" + config.maxPayloadBytes(type) + ")");
        }
        Peer p = peers.get(peer);
        if (p == null) {
            return SendResult.UNKNOWN_PEER;
        }
        return p.offer(new Outgoing(type, payload));
    }

    /**
     * Hands up to {@code limit} received messages (of the polled types: all but the inline ones) to
     * {@code handler}; returns how many. Single consumer.
     */
    public int poll(MessageHandler handler, int limit) {
        int n = 0;
        long bytes = 0;
        InboundMessage m;
        try {
            while (n < limit && (m = inbound.poll()) != null) {
                bytes += m.payload().length;
                inboundMessages.decrementAndGet();
                n++;
                handler.onMessage(m.sender(), m.type(), m.payload());
            }
        } finally {
            // Once per call rather than once per message: the counter is shared with the I/O threads.
            // Releasing the bytes at the end of the call only makes the bound stricter meanwhile.
            if (bytes != 0) {
                inboundBytes.addAndGet(-bytes);
            }
        }
        return n;
    }

    /** Messages waiting for the consumer. */
    public int inboundDepth() {
        return inbound.size();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!running && serverChannel == null) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                idle.close();
                return;
            }
            running = false;
        }
        for (ReplicaId id : peers.keySet()) {
            forget(id);
        }
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        idle.close();
    }

    TransportListener listener() {
        return listener;
    }

    /** The I/O threads (for tests). */
    EventLoopGroup eventLoops() {
        return group;
    }

    HandshakeAuth auth() {
        return auth;
    }

    boolean offerInbound(InboundMessage m) {
        long size = m.payload().length;
        int count = inboundMessages.incrementAndGet();
        long bytes = inboundBytes.addAndGet(size);
        if (count > config.inboundQueueMessages() || bytes > config.inboundQueueBytes() || !inbound.offer(m)) {
            inboundMessages.decrementAndGet();
            inboundBytes.addAndGet(-size);
            return false;
        }
        return true;
    }

    void countHandshakeFailure(ReplicaId peer) {
        Peer p = peers.get(peer);
        if (p != null) {
            p.stats.handshakeFailures.increment();
        }
    }

    /** A connection finished its handshake; returns the peer it now serves, or null if it lost to a duplicate. */
    Peer established(PeerConnection connection) {
        Peer p = peers.computeIfAbsent(connection.peerId(), id -> new Peer(id, this, config));
        Peer.Adoption adoption = p.adopt(connection);
        PeerConnection loser = adoption.loser();
        if (loser == connection) {
            connection.closeAsDuplicate();
            return null;
        }
        if (loser != null) {
            loser.closeAsDuplicate();
            // Messages already written to the replaced connection may never arrive: tell the layer
            // above, as for an overflowing queue, so that it repairs with anti-entropy.
            p.markBehind();
        }
        if (adoption.connected()) {
            listener.onConnected(p.id);
        }
        p.scheduleDrain();
        return p;
    }

    /** A connection closed (in any state). */
    void connectionClosed(PeerConnection connection, boolean wasEstablished, String reason) {
        if (!wasEstablished && !connection.isClient()) {
            // An inbound connection that never authenticated: its replica id was only claimed.
            return;
        }
        ReplicaId id = connection.remotePeer();
        Peer p = id == null ? null : peers.get(id);
        if (p == null) {
            return;
        }
        if (wasEstablished && p.release(connection)) {
            listener.onDisconnected(id, reason);
        }
        if (connection.isClient()) {
            p.endConnect();
        }
        scheduleReconnect(p);
    }

    private void attemptConnect(Peer p) {
        if (!running || !p.beginConnect()) {
            return;
        }
        InetSocketAddress address = p.address();
        Bootstrap b = new Bootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.handshakeTimeout().toMillis()))
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
            .handler(initializer(true, p.id));
        b.connect(address).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                p.endConnect();
                scheduleReconnect(p);
            }
        });
    }

    private void scheduleReconnect(Peer p) {
        if (!running) {
            return;
        }
        // Under the peer's lock, so that the task cannot mark itself started before it is stored.
        synchronized (p) {
            if (p.isForgotten() || p.address() == null || p.isConnected() || p.reconnectPending()) {
                return;
            }
            long delayMs = p.nextBackoffMs(config.reconnectMinBackoff().toMillis(),
                config.reconnectMaxBackoff().toMillis(), ThreadLocalRandom.current().nextDouble());
            // On the timer thread, not an event loop: a loop with a timer sleeps with a timeout,
            // which costs its connections latency (see IdleTracker).
            try {
                p.reconnectTask(idle.schedule(() -> {
                    // No longer pending: if the attempt fails, even before this task ends (a refused
                    // connection can fail on an event loop at once), the next one is scheduled.
                    p.reconnectStarted();
                    p.stats.reconnects.increment();
                    attemptConnect(p);
                }, delayMs, TimeUnit.MILLISECONDS));
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    private ChannelInitializer<SocketChannel> initializer(boolean client, ReplicaId expectedPeer) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ChannelPipeline p = ch.pipeline();
                if (client && clientSsl != null) {
                    InetSocketAddress remote = ch.remoteAddress();
                    p.addLast("tls", remote == null ? clientSsl.newHandler(ch.alloc())
                        : clientSsl.newHandler(ch.alloc(), remote.getHostString(), remote.getPort()));
                } else if (!client && serverSsl != null) {
                    p.addLast("tls", serverSsl.newHandler(ch.alloc()));
                }
                // Before the frame decoder: a peer whose frame is still arriving is alive (the
                // frame timeout bounds how long one frame may take), and the idle events still
                // reach the connection handler, which owns the decision.
                p.addLast("idle", new IdleTracker(idle));
                p.addLast("frame-decoder", new FrameDecoder(config.maxFrameBytes(), config.frameTimeout().toNanos(),
                    System::nanoTime));
                p.addLast("frame-encoder", FrameEncoder.INSTANCE);
                p.addLast("envelope-decoder", new EnvelopeDecoder());
                p.addLast("peer", new PeerConnection(Transport.this, client, expectedPeer));
            }
        };
    }
}
