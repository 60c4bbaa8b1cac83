package dev.starling.transport;

import com.google.protobuf.ByteString;
import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportStats.CloseReason;
import dev.starling.transport.proto.v1.ClientHelloProto;
import dev.starling.transport.proto.v1.ClientProofProto;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.GoodbyeProto;
import dev.starling.transport.proto.v1.PingProto;
import dev.starling.transport.proto.v1.ServerHelloProto;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a connection: runs the handshake, then hands received messages to the
 * transport's inbound queue, or those of the inline types to the {@link InlineHandler}, in order,
 * on this event loop. Lives on one event loop; no locks. Receives parsed {@link FrameProto}s,
 * or {@link DecodedBatch}es for plain batch frames (neither owns a buffer).
 *
 * <pre>
 *   client                                   server
 *   ClientHello{versions, cluster, id, nonceC}  ->
 *                                            <-  ServerHello{version, cluster, id, nonceS, proofS}
 *   check proofS; ClientProof{proofC}         ->  check proofC
 *   ESTABLISHED                                   ESTABLISHED
 * </pre>
 *
 * Any failure closes the connection with a {@link GoodbyeProto} reason and a counter; frames other
 * than the next handshake step are never acted on before the handshake completes.
 */
final class PeerConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);
    private static final long GOODBYE_GRACE_MS = 500;
    private static final long INBOUND_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private enum State { AWAIT_CLIENT_HELLO, AWAIT_SERVER_HELLO, AWAIT_CLIENT_PROOF, ESTABLISHED, CLOSED }

    private final Transport transport;
    private final TransportConfig config;
    private final boolean client;
    private final ReplicaId expectedPeer;
    private final ArrayDeque<InboundMessage> pending = new ArrayDeque<>();
    private State state;
    private Channel channel;
    private ScheduledFuture<?> handshakeTimer;
    private byte[] clientNonce;
    private byte[] serverNonce;
    private int maxOfferedVersion;
    private ReplicaId peerId;
    private int version;
    private Peer peer;
    private boolean established;
    private String closeReason = "closed";
    private boolean inlineFailureLogged;

    PeerConnection(Transport transport, boolean client, ReplicaId expectedPeer) {
        this.transport = transport;
        this.config = transport.config();
        this.client = client;
        this.expectedPeer = expectedPeer;
    }

    Channel channel() {
        return channel;
    }

    int version() {
        return version;
    }

    ReplicaId peerId() {
        return peerId;
    }

    /** The peer this connection is to: known from the start on the client side, after the hello on the server side. */
    ReplicaId remotePeer() {
        return client ? expectedPeer : peerId;
    }

    boolean isClient() {
        return client;
    }

    /** The replica that opened this connection (decides which of two duplicates is kept). */
    ReplicaId clientReplica() {
        return client ? config.replica() : peerId;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        handshakeTimer = ctx.executor().schedule(
            () -> fail(ctx, CloseReason.HANDSHAKE_TIMEOUT, "handshake not completed in time"),
            config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        if (client) {
            clientNonce = transport.auth().newNonce();
            maxOfferedVersion = TransportConfig.MAX_PROTOCOL_VERSION;
            state = State.AWAIT_SERVER_HELLO;
            ctx.writeAndFlush(FrameProto.newBuilder().setClientHello(ClientHelloProto.newBuilder()
                .setMinVersion(TransportConfig.MIN_PROTOCOL_VERSION)
                .setMaxVersion(maxOfferedVersion)
                .setCluster(config.cluster())
                .setReplica(config.replica().value())
                .setNonce(ByteString.copyFrom(clientNonce))).build());
        } else {
            transport.stats().connectionsAccepted.increment();
            state = State.AWAIT_CLIENT_HELLO;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CLOSED) {
            return;
        }
        FrameProto frame;
        if (msg instanceof DecodedBatch) {
            if (state == State.ESTABLISHED) {
                onBatch(ctx, (DecodedBatch) msg);
                return;
            }
            frame = DecodedBatch.AS_FRAME; // the handshake states only look at the kind
        } else {
            frame = (FrameProto) msg;
        }
        switch (state) {
            case AWAIT_CLIENT_HELLO:
                onClientHello(ctx, frame);
                break;
            case AWAIT_SERVER_HELLO:
                onServerHello(ctx, frame);
                break;
            case AWAIT_CLIENT_PROOF:
                onClientProof(ctx, frame);
                break;
            case ESTABLISHED:
                onEstablishedFrame(ctx, frame);
                break;
            default:
                break;
        }
    }

    private void onClientHello(ChannelHandlerContext ctx, FrameProto frame) {
        if (frame.getKindCase() != FrameProto.KindCase.CLIENT_HELLO) {
            fail(ctx, CloseReason.UNAUTHENTICATED_FRAME, "expected ClientHello, got " + frame.getKindCase());
            return;
        }
        ClientHelloProto hello = frame.getClientHello();
        int version = Math.min(hello.getMaxVersion(), TransportConfig.MAX_PROTOCOL_VERSION);
        if (version < TransportConfig.MIN_PROTOCOL_VERSION || version < hello.getMinVersion()) {
            fail(ctx, CloseReason.UNSUPPORTED_VERSION, "no common protocol version with " + hello.getMinVersion()
                + ".." + hello.getMaxVersion());
            return;
        }
        if (!config.cluster().equals(hello.getCluster())) {
            fail(ctx, CloseReason.WRONG_CLUSTER, "wrong cluster");
            return;
        }
        if (hello.getReplica() == 0 || hello.getNonce().size() != HandshakeAuth.NONCE_BYTES) {
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, "bad ClientHello");
            return;
        }
        if (hello.getReplica() == config.replica().value()) {
            fail(ctx, CloseReason.SELF_CONNECTION, "connection to self");
            return;
        }
        this.version = version;
        peerId = new ReplicaId(hello.getReplica());
        clientNonce = hello.getNonce().toByteArray();
        serverNonce = transport.auth().newNonce();
        byte[] proof = transport.auth().serverProof(version, config.cluster(), peerId, config.replica(),
            clientNonce, serverNonce);
        state = State.AWAIT_CLIENT_PROOF;
        ctx.writeAndFlush(FrameProto.newBuilder().setServerHello(ServerHelloProto.newBuilder()
            .setVersion(version)
            .setCluster(config.cluster())
            .setReplica(config.replica().value())
            .setNonce(ByteString.copyFrom(serverNonce))
            .setProof(ByteString.copyFrom(proof))).build());
    }

    private void onServerHello(ChannelHandlerContext ctx, FrameProto frame) {
        if (frame.getKindCase() != FrameProto.KindCase.SERVER_HELLO) {
            if (frame.getKindCase() == FrameProto.KindCase.GOODBYE) {
                fail(ctx, CloseReason.PROTOCOL_VIOLATION, "refused by peer: " + frame.getGoodbye().getReason());
            } else {
                fail(ctx, CloseReason.UNAUTHENTICATED_FRAME, "expected ServerHello, got " + frame.getKindCase());
            }
            return;
        }
        ServerHelloProto hello = frame.getServerHello();
        if (hello.getVersion() < TransportConfig.MIN_PROTOCOL_VERSION || hello.getVersion() > maxOfferedVersion) {
            fail(ctx, CloseReason.UNSUPPORTED_VERSION, "server chose version " + hello.getVersion());
            return;
        }
        if (!config.cluster().equals(hello.getCluster())) {
            fail(ctx, CloseReason.WRONG_CLUSTER, "wrong cluster");
            return;
        }
        if (hello.getReplica() == 0 || hello.getNonce().size() != HandshakeAuth.NONCE_BYTES) {
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, "bad ServerHello");
            return;
        }
        ReplicaId server = new ReplicaId(hello.getReplica());
        if (expectedPeer != null && !expectedPeer.equals(server)) {
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, "expected replica " + expectedPeer + ", reached " + server);
            return;
        }
        version = hello.getVersion();
        serverNonce = hello.getNonce().toByteArray();
        byte[] expected = transport.auth().serverProof(version, config.cluster(), config.replica(), server,
            clientNonce, serverNonce);
        if (!HandshakeAuth.matches(expected, hello.getProof().toByteArray())) {
            fail(ctx, CloseReason.WRONG_SECRET, "server does not know the cluster secret");
            return;
        }
        peerId = server;
        byte[] proof = transport.auth().clientProof(version, config.cluster(), config.replica(), server,
            clientNonce, serverNonce);
        ctx.writeAndFlush(FrameProto.newBuilder()
            .setClientProof(ClientProofProto.newBuilder().setProof(ByteString.copyFrom(proof))).build());
        establish(ctx);
    }

    private void onClientProof(ChannelHandlerContext ctx, FrameProto frame) {
        if (frame.getKindCase() != FrameProto.KindCase.CLIENT_PROOF) {
            fail(ctx, CloseReason.UNAUTHENTICATED_FRAME, "expected ClientProof, got " + frame.getKindCase());
            return;
        }
        byte[] expected = transport.auth().clientProof(version, config.cluster(), peerId, config.replica(),
            clientNonce, serverNonce);
        if (!HandshakeAuth.matches(expected, frame.getClientProof().getProof().toByteArray())) {
            fail(ctx, CloseReason.WRONG_SECRET, "client does not know the cluster secret");
            return;
        }
        establish(ctx);
    }

    private void establish(ChannelHandlerContext ctx) {
        handshakeTimer.cancel(false);
        state = State.ESTABLISHED;
        established = true;
        clientNonce = null;
        serverNonce = null;
        transport.stats().connectionsEstablished.increment();
        peer = transport.established(this);
    }

    private void onEstablishedFrame(ChannelHandlerContext ctx, FrameProto frame) {
        switch (frame.getKindCase()) {
            case BATCH:
                onBatch(ctx, DecodedBatch.of(frame.getBatch(), frame.getSerializedSize()));
                break;
            case PING:
                break;
            case GOODBYE:
                closeReason = "peer said goodbye: " + frame.getGoodbye().getReason();
                ctx.close();
                break;
            default:
                fail(ctx, CloseReason.PROTOCOL_VIOLATION, "unexpected " + frame.getKindCase() + " after handshake");
                break;
        }
    }

    private void onBatch(ChannelHandlerContext ctx, DecodedBatch batch) {
        if (batch.version != version || batch.sender != peerId.value()) {
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, "batch with wrong version or sender");
            return;
        }
        int n = batch.count;
        int[] types = batch.types;
        byte[][] payloads = batch.payloads;
        for (int i = 0; i < n; i++) {
            int type = types[i];
            if (type < 1 || type > TransportConfig.MAX_MESSAGE_TYPE) {
                fail(ctx, CloseReason.PROTOCOL_VIOLATION, "message type " + Integer.toUnsignedString(type));
                return;
            }
            if (payloads[i].length > config.maxPayloadBytes(type)) {
                fail(ctx, CloseReason.PROTOCOL_VIOLATION, "payload of type " + type + " over its limit");
                return;
            }
        }
        if (peer != null) {
            peer.stats.framesIn.increment();
            peer.stats.messagesIn.add(n);
            peer.stats.bytesIn.add(FrameDecoder.LENGTH_BYTES + batch.frameBytes);
        }
        InlineHandler inline = config.inlineHandler();
        if (inline == null) {
            for (int i = 0; i < n; i++) {
                queue(new InboundMessage(peerId, types[i], payloads[i]));
            }
        } else {
            DeferredDrains drains = DeferredDrains.begin();
            try {
                for (int i = 0; i < n; i++) {
                    if (config.isInline(types[i])) {
                        deliverInline(inline, types[i], payloads[i]);
                    } else {
                        queue(new InboundMessage(peerId, types[i], payloads[i]));
                    }
                }
            } finally {
                drains.end(); // the replies sent by the handler leave now, in one frame per peer
            }
        }
        if (!pending.isEmpty() && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
            transport.stats().inboundPauses.increment();
            ctx.executor().schedule(() -> retryPending(ctx), INBOUND_RETRY_NS, TimeUnit.NANOSECONDS);
        }
    }

    /** To the consumer's queue; behind what is already waiting for room in it, if anything is. */
    private void queue(InboundMessage in) {
        if (!pending.isEmpty() || !transport.offerInbound(in)) {
            pending.add(in);
        }
    }

    /**
     * Hands one message to the inline handler on this event loop. An exception is the handler's
     * fault, not the peer's (the frame was valid and authenticated): count it, log it, keep the
     * connection and go on, as a failing {@link Transport#poll} handler would lose one message.
     */
    private void deliverInline(InlineHandler handler, int type, byte[] payload) {
        try {
            handler.onMessage(transport, peerId, type, payload);
        } catch (Exception e) {
            transport.stats().inlineHandlerFailures.increment();
            if (!inlineFailureLogged) {
                inlineFailureLogged = true;
                LOG.warn("inline handler failed on a message of type {} from {} (further failures on this connection"
                    + " are logged at DEBUG)", type, peerId, e);
            } else {
                LOG.debug("inline handler failed on a message of type {} from {}", type, peerId, e);
            }
        }
    }

    /** The consumer's queue was full: keep offering what this connection holds, then read again. */
    private void retryPending(ChannelHandlerContext ctx) {
        if (state == State.CLOSED) {
            pending.clear();
            return;
        }
        InboundMessage m;
        while ((m = pending.peek()) != null && transport.offerInbound(m)) {
            pending.poll();
        }
        if (pending.isEmpty()) {
            channel.config().setAutoRead(true);
            ctx.read();
        } else {
            ctx.executor().schedule(() -> retryPending(ctx), INBOUND_RETRY_NS, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            IdleState idle = ((IdleStateEvent) evt).state();
            if (idle == IdleState.WRITER_IDLE && state == State.ESTABLISHED && ctx.channel().isWritable()) {
                // (Not writable: the peer is not reading what is already queued, a ping would only pile up.)
                ctx.writeAndFlush(FrameProto.newBuilder()
                    .setPing(PingProto.newBuilder().setSentAtMs(System.currentTimeMillis())).build());
            } else if (idle == IdleState.READER_IDLE && state == State.ESTABLISHED && pending.isEmpty()) {
                // Before the handshake, the handshake timer decides (and counts it as a failed
                // handshake); while reading is paused for the consumer, the silence is our own.
                fail(ctx, CloseReason.DEAD_PEER, "nothing received for " + config.deadPeerTimeout().toMillis() + " ms");
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (peer != null && ctx.channel().isWritable()) {
            peer.scheduleDrain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.CLOSED) {
            return;
        }
        if (cause instanceof FrameDecoder.FrameTimeoutException) {
            fail(ctx, CloseReason.FRAME_TIMEOUT, cause.getMessage());
        } else if (cause instanceof TooLongFrameException) {
            fail(ctx, CloseReason.FRAME_TOO_LONG, cause.getMessage());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            fail(ctx, CloseReason.TLS_FAILURE, cause.getCause().getMessage());
        } else if (cause instanceof CorruptedFrameException || cause instanceof DecoderException) {
            fail(ctx, CloseReason.MALFORMED_FRAME, String.valueOf(cause.getMessage()));
        } else if (cause instanceof IOException) {
            closeReason = "I/O error: " + cause.getMessage();
            state = State.CLOSED;
            ctx.close();
        } else {
            LOG.warn("unexpected error on connection {}, closing it", ctx.channel(), cause);
            fail(ctx, CloseReason.PROTOCOL_VIOLATION, cause.toString());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        state = State.CLOSED;
        pending.clear();
        transport.connectionClosed(this, established, closeReason);
        ctx.fireChannelInactive();
    }

    /** Closes this connection as a duplicate of another one to the same peer. */
    void closeAsDuplicate() {
        channel.eventLoop().execute(() -> {
            ChannelHandlerContext ctx = channel.pipeline().context(this);
            if (ctx != null) {
                fail(ctx, CloseReason.DUPLICATE_CONNECTION, "duplicate connection");
            }
        });
    }

    private void fail(ChannelHandlerContext ctx, CloseReason reason, String detail) {
        if (state == State.CLOSED) {
            return;
        }
        transport.stats().count(reason);
        if (!established && expectedPeer != null) {
            transport.countHandshakeFailure(expectedPeer);
        }
        closeReason = reason + ": " + detail;
        LOG.debug("closing {} ({})", ctx.channel(), closeReason);
        state = State.CLOSED;
        ctx.writeAndFlush(FrameProto.newBuilder().setGoodbye(GoodbyeProto.newBuilder().setReason(reason.name())).build())
            .addListener(ChannelFutureListener.CLOSE);
        // A peer that does not read would hold the goodbye (and the connection) forever.
        ctx.executor().schedule(() -> {
            ctx.close();
        }, GOODBYE_GRACE_MS, TimeUnit.MILLISECONDS);
    }
}
