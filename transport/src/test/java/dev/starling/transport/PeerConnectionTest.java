package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportStats.CloseReason;
import dev.starling.transport.proto.v1.BatchProto;
import dev.starling.transport.proto.v1.ClientHelloProto;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.ServerHelloProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection handler and the per-peer queue on EmbeddedChannels with the transport's codec
 * pipeline (no sockets, no threads): the handshake both ways, every refusal, errors from the
 * codecs, idle events, inbound backpressure, batching and duplicate resolution.
 */
class PeerConnectionTest {

    private static final ReplicaId SELF = new ReplicaId(100);
    private static final ReplicaId OTHER = new ReplicaId(7);
    private static final String CLUSTER = TestNode.CLUSTER;
    private static final byte[] SECRET = TestNode.SECRET;

    private final HandshakeAuth auth = new HandshakeAuth(SECRET, new SecureRandom());
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final Events events = new Events();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<TestNode.Received> received = new ArrayList<>();
    private Transport transport = new Transport(TestNode.config(SELF.value()).build(), events);

    @AfterEach
    void tearDown() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        transport.close();
    }

    private void reconfigure(TransportConfig.Builder config) {
        transport.close();
        transport = new Transport(config.build(), events);
    }

    private EmbeddedChannel server() {
        return channel(new PeerConnection(transport, false, null));
    }

    /** A client connection to OTHER; the transport knows OTHER (not started: it never dials itself). */
    private EmbeddedChannel client() {
        transport.connect(OTHER, new InetSocketAddress("127.0.0.1", 9));
        return channel(new PeerConnection(transport, true, OTHER));
    }

    private EmbeddedChannel channel(PeerConnection connection) {
        TransportConfig c = transport.config();
        EmbeddedChannel ch = new EmbeddedChannel(
            new FrameDecoder(c.maxFrameBytes(), c.frameTimeout().toNanos(), clock::get),
            FrameEncoder.INSTANCE, new EnvelopeDecoder(), connection);
        channels.add(ch);
        return ch;
    }

    private static void feed(EmbeddedChannel ch, byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        ch.runPendingTasks();
    }

    private static void feedByteByByte(EmbeddedChannel ch, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, 1));
        }
        ch.runPendingTasks();
    }

    /** The next frame the handler wrote, length checked and buffer released. */
    private static FrameProto sent(EmbeddedChannel ch) {
        ch.runPendingTasks();
        ByteBuf b = ch.readOutbound();
        assertThat(b).as("a frame was written").isNotNull();
        try {
            assertThat(b.readInt()).isEqualTo(b.readableBytes());
            return FrameProto.parseFrom(ByteBufs.copy(b));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        } finally {
            b.release();
        }
    }

    private void assertRefused(EmbeddedChannel ch, CloseReason reason) {
        FrameProto goodbye = sent(ch);
        assertThat(goodbye.getKindCase()).isEqualTo(FrameProto.KindCase.GOODBYE);
        assertThat(goodbye.getGoodbye().getReason()).isEqualTo(reason.name());
        assertThat(ch.isOpen()).as("closed").isFalse();
        assertThat(transport.stats().closes(reason)).isEqualTo(1);
    }

    private int poll() {
        return transport.poll((s, t, p) -> received.add(new TestNode.Received(s, t, p)), Integer.MAX_VALUE);
    }

    private static List<Outgoing> messages(String... texts) {
        List<Outgoing> out = new ArrayList<>();
        for (String t : texts) {
            out.add(new Outgoing(3, t.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static List<Outgoing> numbered(int from, int to) {
        List<Outgoing> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(new Outgoing(3, ("m" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private List<String> receivedTexts() {
        return received.stream().map(TestNode.Received::text).toList();
    }

    /** Plays a well-behaved client against {@code server} up to (not including) the ClientProof. */
    private byte[] clientProofFor(EmbeddedChannel server, ReplicaId client, byte[] secret) {
        HandshakeAuth a = new HandshakeAuth(secret, new SecureRandom());
        byte[] nonce = a.newNonce();
        feed(server, Frames.frame(Frames.clientHello(client, CLUSTER, nonce)));
        FrameProto reply = sent(server);
        assertThat(reply.getKindCase()).isEqualTo(FrameProto.KindCase.SERVER_HELLO);
        ServerHelloProto hello = reply.getServerHello();
        assertThat(hello.getReplica()).isEqualTo(SELF.value());
        assertThat(hello.getNonce().size()).isEqualTo(HandshakeAuth.NONCE_BYTES);
        return Frames.frame(Frames.clientProof(
            a.clientProof(hello.getVersion(), CLUSTER, client, SELF, nonce, hello.getNonce().toByteArray())));
    }

    private EmbeddedChannel establishedServer(ReplicaId client) {
        EmbeddedChannel ch = server();
        feed(ch, clientProofFor(ch, client, SECRET));
        assertThat(transport.isConnected(client)).isTrue();
        return ch;
    }

    // ---- server side of the handshake -------------------------------------------------------

    @Test
    void shouldAuthenticateAClientAndDeliverItsBatchesInOrder() {
        EmbeddedChannel ch = server();
        byte[] proof = clientProofFor(ch, OTHER, SECRET);
        // The proof and two batches coalesced into one stream, fed a byte at a time.
        feedByteByByte(ch, Frames.concat(proof, Frames.batch(1, OTHER, messages("a", "b")),
            Frames.batch(1, OTHER, messages("c"))));
        assertThat(transport.isConnected(OTHER)).isTrue();
        assertThat(events.count(Events.Kind.CONNECTED, OTHER)).isEqualTo(1);
        poll();
        assertThat(receivedTexts()).containsExactly("a", "b", "c");
        assertThat(received).allSatisfy(r -> assertThat(r.sender()).isEqualTo(OTHER));
        assertThat(transport.stats().connectionsAccepted()).isEqualTo(1);
        assertThat(transport.stats().connectionsEstablished()).isEqualTo(1);
        PeerStats stats = transport.stats(OTHER);
        assertThat(stats.messagesIn()).isEqualTo(3);
        assertThat(stats.framesIn()).isEqualTo(2);
        assertThat(stats.bytesIn()).isEqualTo(Frames.batch(1, OTHER, messages("a", "b")).length
            + Frames.batch(1, OTHER, messages("c")).length);
    }

    @Test
    void shouldRefuseAWrongClientProofAndDropWhatFollowsIt() {
        EmbeddedChannel ch = server();
        byte[] proof = clientProofFor(ch, OTHER, TestNode.OTHER_SECRET);
        feed(ch, Frames.concat(proof, Frames.batch(1, OTHER, messages("forged"))));
        assertRefused(ch, CloseReason.WRONG_SECRET);
        assertThat(poll()).isZero();
        assertThat(transport.isConnected(OTHER)).isFalse();
        assertThat(transport.stats().handshakeFailures()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAProofComputedForAnotherServerNonce() {
        // A recorded session's proof (for an old server nonce) replayed in a new connection.
        EmbeddedChannel first = server();
        byte[] recordedHelloAndProof;
        {
            byte[] nonce = auth.newNonce();
            byte[] hello = Frames.frame(Frames.clientHello(OTHER, CLUSTER, nonce));
            feed(first, hello);
            ServerHelloProto sh = sent(first).getServerHello();
            byte[] proof = Frames.frame(Frames.clientProof(auth.clientProof(sh.getVersion(), CLUSTER, OTHER, SELF, nonce,
                sh.getNonce().toByteArray())));
            feed(first, proof);
            assertThat(transport.isConnected(OTHER)).isTrue();
            recordedHelloAndProof = Frames.concat(hello, proof, Frames.batch(1, OTHER, messages("replayed")));
        }
        EmbeddedChannel replay = server();
        feed(replay, recordedHelloAndProof);
        FrameProto serverHello = sent(replay);
        assertThat(serverHello.getKindCase()).isEqualTo(FrameProto.KindCase.SERVER_HELLO);
        assertRefused(replay, CloseReason.WRONG_SECRET);
        assertThat(poll()).isZero();
        assertThat(first.isOpen()).as("the legitimate connection is untouched").isTrue();
    }

    @Test
    void shouldRefuseABatchBeforeTheHandshake() {
        EmbeddedChannel ch = server();
        feed(ch, Frames.batch(1, OTHER, messages("early")));
        assertRefused(ch, CloseReason.UNAUTHENTICATED_FRAME);
        assertThat(poll()).isZero();
    }

    @Test
    void shouldRefuseABatchInsteadOfTheClientProof() {
        EmbeddedChannel ch = server();
        clientProofFor(ch, OTHER, SECRET);
        feed(ch, Frames.batch(1, OTHER, messages("skipped the proof")));
        assertRefused(ch, CloseReason.UNAUTHENTICATED_FRAME);
        assertThat(poll()).isZero();
    }

    @Test
    void shouldRefuseAnotherCluster() {
        EmbeddedChannel ch = server();
        feed(ch, Frames.frame(Frames.clientHello(OTHER, "other-cluster", auth.newNonce())));
        assertRefused(ch, CloseReason.WRONG_CLUSTER);
    }

    @Test
    void shouldRefuseVersionsItDoesNotSpeak() {
        EmbeddedChannel ch = server();
        FrameProto hello = Frames.clientHello(OTHER, CLUSTER, auth.newNonce());
        ClientHelloProto future = hello.getClientHello().toBuilder().setMinVersion(2).setMaxVersion(9).build();
        feed(ch, Frames.frame(FrameProto.newBuilder().setClientHello(future).build()));
        assertRefused(ch, CloseReason.UNSUPPORTED_VERSION);
    }

    @Test
    void shouldRefuseAConnectionFromItself() {
        EmbeddedChannel ch = server();
        feed(ch, Frames.frame(Frames.clientHello(SELF, CLUSTER, auth.newNonce())));
        assertRefused(ch, CloseReason.SELF_CONNECTION);
    }

    @Test
    void shouldRefuseAHelloWithoutReplicaOrWithAShortNonce() {
        EmbeddedChannel noReplica = server();
        feed(noReplica, Frames.frame(Frames.clientHello(new ReplicaId(0), CLUSTER, auth.newNonce())));
        assertThat(sent(noReplica).getGoodbye().getReason()).isEqualTo(CloseReason.PROTOCOL_VIOLATION.name());
        EmbeddedChannel shortNonce = server();
        feed(shortNonce, Frames.frame(Frames.clientHello(OTHER, CLUSTER, new byte[31])));
        assertThat(sent(shortNonce).getGoodbye().getReason()).isEqualTo(CloseReason.PROTOCOL_VIOLATION.name());
        assertThat(transport.stats().closes(CloseReason.PROTOCOL_VIOLATION)).isEqualTo(2);
    }

    @Test
    void shouldCloseAConnectionThatDoesNotFinishTheHandshakeInTime() {
        EmbeddedChannel ch = server();
        feed(ch, Frames.frame(Frames.clientHello(OTHER, CLUSTER, auth.newNonce())));
        sent(ch); // ServerHello; the client never proves itself
        // The embedded loop's clock also moves with real time, so stay clear of the exact boundary.
        ch.advanceTimeBy(transport.config().handshakeTimeout().toNanos() / 2, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(transport.config().handshakeTimeout().toNanos() / 2 + 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertRefused(ch, CloseReason.HANDSHAKE_TIMEOUT);
    }

    @Test
    void shouldLeaveASilentUnauthenticatedConnectionToTheHandshakeTimeout() {
        // The dead-peer timeout (1 s in the local profile) is shorter than the handshake timeout (2 s):
        // a silent connection must still be closed, and counted, as a handshake that timed out.
        EmbeddedChannel ch = server();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(transport.config().handshakeTimeout().toNanos() + 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertRefused(ch, CloseReason.HANDSHAKE_TIMEOUT);
        assertThat(transport.stats().handshakeFailures()).isEqualTo(1);
    }

    @Test
    void shouldNotTimeOutAnEstablishedConnection() {
        EmbeddedChannel ch = establishedServer(OTHER);
        ch.advanceTimeBy(transport.config().handshakeTimeout().toNanos() * 10, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        Object written = ch.readOutbound();
        assertThat(written).isNull();
    }

    // ---- errors from the codecs ------------------------------------------------------------

    @Test
    void shouldCloseOnATooLongLengthPrefixBeforeOrAfterTheHandshake() {
        EmbeddedChannel before = server();
        feed(before, new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        assertRefused(before, CloseReason.FRAME_TOO_LONG);
        EmbeddedChannel after = establishedServer(OTHER);
        feed(after, ByteBuffer.allocate(4).putInt(transport.config().maxFrameBytes() + 1).array());
        assertThat(sent(after).getGoodbye().getReason()).isEqualTo(CloseReason.FRAME_TOO_LONG.name());
        assertThat(after.isOpen()).isFalse();
        assertThat(events.count(Events.Kind.DISCONNECTED, OTHER)).isEqualTo(1);
    }

    @Test
    void shouldCloseOnAMalformedFrame() {
        EmbeddedChannel ch = server();
        feed(ch, Frames.lengthPrefixed(new byte[] {(byte) 0xFF, (byte) 0xFF}));
        assertRefused(ch, CloseReason.MALFORMED_FRAME);
    }

    @Test
    void shouldCloseOnDeeplyNestedInputAsMalformed() {
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.lengthPrefixed(Frames.nestedGroups(100_000)));
        assertRefused(ch, CloseReason.MALFORMED_FRAME);
    }

    @Test
    void shouldCloseOnAFrameThatTakesLongerThanTheFrameTimeout() {
        EmbeddedChannel ch = server();
        byte[] hello = Frames.frame(Frames.clientHello(OTHER, CLUSTER, auth.newNonce()));
        feed(ch, Arrays.copyOf(hello, 5));
        clock.addAndGet(transport.config().frameTimeout().toNanos() + 1);
        feed(ch, Arrays.copyOfRange(hello, 5, 6));
        assertRefused(ch, CloseReason.FRAME_TIMEOUT);
    }

    // ---- after the handshake ---------------------------------------------------------------

    @Test
    void shouldRefuseABatchClaimingAnotherSender() {
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.batch(1, new ReplicaId(8), messages("spoofed")));
        assertRefused(ch, CloseReason.PROTOCOL_VIOLATION);
        assertThat(poll()).isZero();
    }

    @Test
    void shouldRefuseReservedOrOutOfRangeMessageTypes() {
        for (int type : new int[] {0, 65_536, -1}) {
            EmbeddedChannel ch = establishedServer(OTHER);
            byte[] batch = Frames.frame(FrameProto.newBuilder().setBatch(BatchProto.newBuilder().setVersion(1)
                .setSender(OTHER.value()).addMessages(dev.starling.transport.proto.v1.MessageProto.newBuilder()
                    .setType(type))).build());
            feed(ch, batch);
            assertThat(sent(ch).getGoodbye().getReason()).as("type %d", type)
                .isEqualTo(CloseReason.PROTOCOL_VIOLATION.name());
        }
        assertThat(poll()).isZero();
    }

    @Test
    void shouldRefuseAPayloadOverTheLimitOfItsType() {
        reconfigure(TestNode.config(SELF.value()).maxPayloadBytes(3, 4));
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.batch(1, OTHER, List.of(new Outgoing(3, new byte[4]), new Outgoing(3, new byte[5]))));
        assertRefused(ch, CloseReason.PROTOCOL_VIOLATION);
        assertThat(poll()).as("the whole batch is refused").isZero();
    }

    @Test
    void shouldRefuseHandshakeFramesAfterTheHandshake() {
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.frame(Frames.clientHello(OTHER, CLUSTER, auth.newNonce())));
        assertRefused(ch, CloseReason.PROTOCOL_VIOLATION);
    }

    @Test
    void shouldIgnorePingsAndCloseOnGoodbye() {
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.frame(Frames.ping()));
        assertThat(ch.isOpen()).isTrue();
        feed(ch, Frames.frame(Frames.goodbye("shutting down")));
        assertThat(ch.isOpen()).isFalse();
        assertThat(events.all()).extracting(Events.Event::kind)
            .containsExactly(Events.Kind.CONNECTED, Events.Kind.DISCONNECTED);
        assertThat(events.all().get(1).reason()).contains("shutting down");
    }

    @Test
    void shouldPingWhenIdleForWritingOnlyOnceEstablished() {
        EmbeddedChannel ch = server();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);
        ch.runPendingTasks();
        Object written = ch.readOutbound();
        assertThat(written).as("no ping before the handshake").isNull();
        feed(ch, clientProofFor(ch, OTHER, SECRET));
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);
        assertThat(sent(ch).getKindCase()).isEqualTo(FrameProto.KindCase.PING);
    }

    /**
     * An EmbeddedChannel whose socket can be made to stop taking bytes, like a full send buffer,
     * or to be found closed before the pipeline hears of it.
     */
    private static final class StuckChannel extends EmbeddedChannel {
        boolean stuck;
        boolean dead;

        StuckChannel(io.netty.channel.ChannelHandler... handlers) {
            super(handlers);
        }

        @Override
        protected void doWrite(io.netty.channel.ChannelOutboundBuffer in) throws Exception {
            if (!stuck) {
                super.doWrite(in);
            }
        }

        @Override
        public boolean isActive() {
            return !dead && super.isActive();
        }
    }

    @Test
    void shouldReportAConnectionReplacingOneThatIsClosingAsNoNewsToTheListener() {
        TransportConfig c = transport.config();
        StuckChannel old = new StuckChannel(new FrameDecoder(c.maxFrameBytes(), c.frameTimeout().toNanos(), clock::get),
            FrameEncoder.INSTANCE, new EnvelopeDecoder(), new PeerConnection(transport, false, null));
        channels.add(old);
        feed(old, clientProofFor(old, OTHER, SECRET));
        // The old connection's socket is closed, but its pipeline has not processed that yet ...
        old.dead = true;
        // ... when the peer's new connection completes its handshake.
        EmbeddedChannel fresh = establishedServer(OTHER);
        old.dead = false;
        old.close();
        assertThat(events.all()).extracting(Events.Event::kind).containsExactly(Events.Kind.CONNECTED);
        fresh.close();
        assertThat(events.all()).extracting(Events.Event::kind)
            .containsExactly(Events.Kind.CONNECTED, Events.Kind.DISCONNECTED);
    }

    @Test
    void shouldNotPileUpPingsWhileThePeerIsNotReading() {
        TransportConfig c = transport.config();
        StuckChannel ch = new StuckChannel(new FrameDecoder(c.maxFrameBytes(), c.frameTimeout().toNanos(), clock::get),
            FrameEncoder.INSTANCE, new EnvelopeDecoder(), new PeerConnection(transport, false, null));
        channels.add(ch);
        feed(ch, clientProofFor(ch, OTHER, SECRET));
        assertThat(transport.isConnected(OTHER)).isTrue();
        ch.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(8, 16));
        ch.stuck = true;
        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[64])); // the peer stopped reading
        assertThat(ch.isWritable()).isFalse();
        int pending = ch.unsafe().outboundBuffer().size();
        for (int i = 0; i < 1_000; i++) {
            ch.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);
        }
        assertThat(ch.unsafe().outboundBuffer().size()).as("messages waiting to be written").isEqualTo(pending);
        ch.stuck = false;
        ch.flush();
        ch.releaseOutbound();
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);
        assertThat(sent(ch).getKindCase()).as("pings again once writable").isEqualTo(FrameProto.KindCase.PING);
    }

    @Test
    void shouldCloseAnEstablishedConnectionOnWhichNothingArrives() {
        EmbeddedChannel ch = establishedServer(OTHER);
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertRefused(ch, CloseReason.DEAD_PEER);
        assertThat(events.all().get(1).reason()).contains("DEAD_PEER");
    }

    @Test
    void shouldStopReadingWhileTheConsumerQueueIsFullAndResumeInOrder() {
        reconfigure(TestNode.config(SELF.value()).inboundQueue(2, 4 << 20));
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.concat(Frames.batch(1, OTHER, numbered(0, 10)), Frames.batch(1, OTHER, numbered(10, 15))));
        assertThat(transport.inboundDepth()).isEqualTo(2);
        assertThat(ch.config().isAutoRead()).as("reading paused").isFalse();
        assertThat(transport.stats().inboundPauses()).isEqualTo(1);
        while (received.size() < 15) {
            assertThat(poll()).isBetween(1, 2);
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
        assertThat(receivedTexts()).containsExactlyElementsOf(numbered(0, 15).stream()
            .map(o -> new String(o.payload(), StandardCharsets.UTF_8)).toList());
        assertThat(ch.config().isAutoRead()).as("reading resumed").isTrue();
    }

    @Test
    void shouldNotTakeItsOwnPausedReadingForADeadPeer() {
        reconfigure(TestNode.config(SELF.value()).inboundQueue(2, 4 << 20));
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.batch(1, OTHER, numbered(0, 10)));
        assertThat(ch.config().isAutoRead()).isFalse();
        // Nothing is read because this node stopped reading: the peer is not dead.
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        while (received.size() < 10) {
            poll();
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
        assertThat(ch.config().isAutoRead()).isTrue();
        // Reading again, and still nothing arrives: now it is.
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertRefused(ch, CloseReason.DEAD_PEER);
    }

    // ---- client side of the handshake ------------------------------------------------------

    /** Reads the client's hello and answers it as a server knowing {@code secret}. */
    private ClientHelloProto answerHello(EmbeddedChannel ch, ReplicaId server, byte[] secret, byte[] serverNonce) {
        FrameProto first = sent(ch);
        assertThat(first.getKindCase()).isEqualTo(FrameProto.KindCase.CLIENT_HELLO);
        ClientHelloProto hello = first.getClientHello();
        byte[] proof = new HandshakeAuth(secret, new SecureRandom()).serverProof(1, CLUSTER, SELF, server,
            hello.getNonce().toByteArray(), serverNonce);
        feed(ch, Frames.frame(Frames.serverHello(1, server, CLUSTER, serverNonce, proof)));
        return hello;
    }

    @Test
    void shouldAuthenticateTheServerAndProveItselfAsAClient() {
        EmbeddedChannel ch = client();
        byte[] serverNonce = auth.newNonce();
        ClientHelloProto hello = answerHello(ch, OTHER, SECRET, serverNonce);
        assertThat(hello.getReplica()).isEqualTo(SELF.value());
        assertThat(hello.getCluster()).isEqualTo(CLUSTER);
        assertThat(hello.getNonce().size()).isEqualTo(HandshakeAuth.NONCE_BYTES);
        FrameProto proof = sent(ch);
        assertThat(proof.getClientProof().getProof().toByteArray()).isEqualTo(
            auth.clientProof(1, CLUSTER, SELF, OTHER, hello.getNonce().toByteArray(), serverNonce));
        assertThat(transport.isConnected(OTHER)).isTrue();
        // Queued messages go out as a batch from this replica.
        transport.send(OTHER, 9, "hi".getBytes(StandardCharsets.UTF_8));
        BatchProto batch = sent(ch).getBatch();
        assertThat(batch.getSender()).isEqualTo(SELF.value());
        assertThat(batch.getMessages(0).getType()).isEqualTo(9);
        assertThat(batch.getMessages(0).getPayload().toStringUtf8()).isEqualTo("hi");
    }

    @Test
    void shouldRefuseAServerThatDoesNotKnowTheSecret() {
        EmbeddedChannel ch = client();
        answerHello(ch, OTHER, TestNode.OTHER_SECRET, auth.newNonce());
        assertRefused(ch, CloseReason.WRONG_SECRET);
        assertThat(transport.isConnected(OTHER)).isFalse();
        assertThat(transport.stats(OTHER).handshakeFailures()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAReplayedServerHello() {
        // A ServerHello recorded from another session carries a proof over another client nonce.
        byte[] serverNonce = auth.newNonce();
        byte[] proof = auth.serverProof(1, CLUSTER, SELF, OTHER, auth.newNonce(), serverNonce);
        EmbeddedChannel ch = client();
        sent(ch);
        feed(ch, Frames.frame(Frames.serverHello(1, OTHER, CLUSTER, serverNonce, proof)));
        assertRefused(ch, CloseReason.WRONG_SECRET);
    }

    @Test
    void shouldRefuseAServerThatIsNotTheExpectedReplica() {
        EmbeddedChannel ch = client();
        answerHello(ch, new ReplicaId(8), SECRET, auth.newNonce());
        assertRefused(ch, CloseReason.PROTOCOL_VIOLATION);
    }

    @Test
    void shouldRefuseAServerThatChoseAVersionNotOffered() {
        EmbeddedChannel ch = client();
        ClientHelloProto hello = sent(ch).getClientHello();
        byte[] nonce = auth.newNonce();
        feed(ch, Frames.frame(Frames.serverHello(2, OTHER, CLUSTER, nonce,
            auth.serverProof(2, CLUSTER, SELF, OTHER, hello.getNonce().toByteArray(), nonce))));
        assertRefused(ch, CloseReason.UNSUPPORTED_VERSION);
    }

    @Test
    void shouldReportTheServersRefusal() {
        EmbeddedChannel ch = client();
        sent(ch);
        feed(ch, Frames.frame(Frames.goodbye(CloseReason.WRONG_CLUSTER.name())));
        assertThat(sent(ch).getKindCase()).isEqualTo(FrameProto.KindCase.GOODBYE);
        assertThat(ch.isOpen()).isFalse();
        assertThat(transport.stats(OTHER).handshakeFailures()).isEqualTo(1);
    }

    // ---- the peer's queue ------------------------------------------------------------------

    @Test
    void shouldSendWhatWasQueuedBeforeTheConnectionInBatchesWithinTheLimits() {
        reconfigure(TestNode.config(SELF.value()).maxBatch(64, 4));
        transport.connect(OTHER, new InetSocketAddress("127.0.0.1", 9));
        for (int i = 0; i < 10; i++) {
            assertThat(transport.send(OTHER, 3, ("m" + i).getBytes(StandardCharsets.UTF_8))).isEqualTo(SendResult.QUEUED);
        }
        assertThat(transport.send(OTHER, 3, new byte[60])).isEqualTo(SendResult.QUEUED);
        assertThat(transport.send(OTHER, 3, new byte[60])).isEqualTo(SendResult.QUEUED);
        assertThat(transport.stats(OTHER).queueDepth()).isEqualTo(12);
        EmbeddedChannel ch = channel(new PeerConnection(transport, true, OTHER));
        answerHello(ch, OTHER, SECRET, auth.newNonce());
        sent(ch); // ClientProof
        List<Integer> sizes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            FrameProto f;
            try {
                b.skipBytes(4);
                f = FrameProto.parseFrom(ByteBufs.copy(b));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            } finally {
                b.release();
            }
            sizes.add(f.getBatch().getMessagesCount());
            f.getBatch().getMessagesList().forEach(m -> texts.add(m.getPayload().size() == 60 ? "big"
                : m.getPayload().toStringUtf8()));
        }
        // 4 messages per batch at most; a 60-byte payload does not share a 64-byte batch.
        assertThat(sizes).containsExactly(4, 4, 2, 1, 1);
        assertThat(texts).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "big", "big");
        PeerStats stats = transport.stats(OTHER);
        assertThat(stats.queueDepth()).isZero();
        assertThat(stats.queuedBytes()).isZero();
        assertThat(stats.messagesOut()).isEqualTo(12);
        assertThat(stats.framesOut()).isEqualTo(5);
    }

    @Test
    void shouldDropAndReportBehindWhenTheQueueIsFullThenReportDrained() {
        reconfigure(TestNode.config(SELF.value()).outboundQueue(4, 4 << 20));
        transport.connect(OTHER, new InetSocketAddress("127.0.0.1", 9));
        List<SendResult> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            results.add(transport.send(OTHER, 3, new byte[] {(byte) i}));
        }
        assertThat(results).containsExactly(SendResult.QUEUED, SendResult.QUEUED, SendResult.QUEUED, SendResult.QUEUED,
            SendResult.DROPPED_BEHIND, SendResult.DROPPED_BEHIND, SendResult.DROPPED_BEHIND,
            SendResult.DROPPED_BEHIND, SendResult.DROPPED_BEHIND, SendResult.DROPPED_BEHIND);
        PeerStats stats = transport.stats(OTHER);
        assertThat(stats.drops()).isEqualTo(6);
        assertThat(stats.behind()).isTrue();
        assertThat(events.count(Events.Kind.BEHIND, OTHER)).as("reported once").isEqualTo(1);
        EmbeddedChannel ch = channel(new PeerConnection(transport, true, OTHER));
        answerHello(ch, OTHER, SECRET, auth.newNonce());
        sent(ch); // ClientProof
        assertThat(sent(ch).getBatch().getMessagesCount()).isEqualTo(4);
        assertThat(stats.behind()).isFalse();
        assertThat(events.count(Events.Kind.DRAINED, OTHER)).isEqualTo(1);
        assertThat(transport.send(OTHER, 3, new byte[1])).isEqualTo(SendResult.QUEUED);
    }

    @Test
    void shouldHoldExactlyTheConfiguredNumberOfOutboundMessages() {
        for (int bound : new int[] {2, 3, 5, 1000}) {
            reconfigure(TestNode.config(SELF.value()).outboundQueue(bound, 4 << 20));
            transport.connect(OTHER, new InetSocketAddress("127.0.0.1", 9));
            int queued = 0;
            for (int i = 0; i < 2 * bound + 10; i++) {
                if (transport.send(OTHER, 3, new byte[1]) == SendResult.QUEUED) {
                    queued++;
                }
            }
            assertThat(queued).as("bound %d", bound).isEqualTo(bound);
            assertThat(transport.stats(OTHER).queueDepth()).isEqualTo(bound);
            assertThat(transport.stats(OTHER).drops()).isEqualTo(bound + 10);
        }
    }

    @Test
    void shouldHoldExactlyTheConfiguredNumberOfInboundMessages() {
        reconfigure(TestNode.config(SELF.value()).inboundQueue(3, 4 << 20));
        EmbeddedChannel ch = establishedServer(OTHER);
        feed(ch, Frames.batch(1, OTHER, numbered(0, 10)));
        assertThat(transport.inboundDepth()).isEqualTo(3);
        while (received.size() < 10) {
            poll();
            assertThat(transport.inboundDepth()).isLessThanOrEqualTo(3);
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertThat(transport.inboundDepth()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void shouldHoldAtMostTheConfiguredOutboundBytes() {
        reconfigure(TestNode.config(SELF.value()).maxFrameBytes(1024).maxBatch(512, 100).outboundQueue(1000, 1024));
        transport.connect(OTHER, new InetSocketAddress("127.0.0.1", 9));
        assertThat(transport.send(OTHER, 3, new byte[600])).isEqualTo(SendResult.QUEUED);
        assertThat(transport.send(OTHER, 3, new byte[600])).isEqualTo(SendResult.DROPPED_BEHIND);
        assertThat(transport.send(OTHER, 3, new byte[424])).isEqualTo(SendResult.QUEUED);
        assertThat(transport.send(OTHER, 3, new byte[1])).isEqualTo(SendResult.DROPPED_BEHIND);
        assertThat(transport.stats(OTHER).queuedBytes()).isEqualTo(1024);
    }

    @Test
    void shouldRefuseMessagesToUnknownPeersAndInvalidMessages() {
        assertThat(transport.send(OTHER, 1, new byte[1])).isEqualTo(SendResult.UNKNOWN_PEER);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> transport.send(OTHER, 0, new byte[1]))
            .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> transport.send(OTHER, 65_536, new byte[1]))
            .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> transport.send(OTHER, 1, new byte[transport.config().defaultMaxPayloadBytes() + 1]))
            .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> transport.connect(SELF,
            new InetSocketAddress("127.0.0.1", 9))).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- duplicate connections -------------------------------------------------------------

    @Test
    void shouldKeepTheConnectionOpenedByTheSmallerReplicaWhicheverCompletesFirst() {
        // OTHER (7) < SELF (100): the connection OTHER opened (server side here) wins, in either order.
        EmbeddedChannel mine = client();
        answerHello(mine, OTHER, SECRET, auth.newNonce());
        sent(mine);
        EmbeddedChannel theirs = establishedServer(OTHER);
        assertThat(sent(mine).getGoodbye().getReason()).isEqualTo(CloseReason.DUPLICATE_CONNECTION.name());
        assertThat(mine.isOpen()).isFalse();
        assertThat(theirs.isOpen()).isTrue();
        assertThat(transport.isConnected(OTHER)).isTrue();

        EmbeddedChannel mineAgain = channel(new PeerConnection(transport, true, OTHER));
        answerHello(mineAgain, OTHER, SECRET, auth.newNonce());
        sent(mineAgain);
        assertThat(sent(mineAgain).getGoodbye().getReason()).isEqualTo(CloseReason.DUPLICATE_CONNECTION.name());
        assertThat(theirs.isOpen()).isTrue();
        assertThat(events.count(Events.Kind.CONNECTED, OTHER)).isEqualTo(1);
        assertThat(events.count(Events.Kind.DISCONNECTED, OTHER)).isZero();
        assertThat(transport.stats().closes(CloseReason.DUPLICATE_CONNECTION)).isEqualTo(2);
    }

    @Test
    void shouldPreferTheNewerOfTwoConnectionsOpenedByTheSamePeer() {
        EmbeddedChannel old = establishedServer(OTHER);
        EmbeddedChannel fresh = establishedServer(OTHER);
        assertThat(sent(old).getGoodbye().getReason()).isEqualTo(CloseReason.DUPLICATE_CONNECTION.name());
        assertThat(old.isOpen()).isFalse();
        assertThat(fresh.isOpen()).isTrue();
        feed(fresh, Frames.batch(1, OTHER, messages("via the new one")));
        poll();
        assertThat(receivedTexts()).containsExactly("via the new one");
    }

    @Test
    void shouldReportThePeerBehindWhenTheConnectionInUseIsReplaced() {
        EmbeddedChannel old = establishedServer(OTHER);
        assertThat(events.count(Events.Kind.BEHIND, OTHER)).isZero();
        establishedServer(OTHER);
        assertThat(sent(old).getGoodbye().getReason()).isEqualTo(CloseReason.DUPLICATE_CONNECTION.name());
        assertThat(old.isOpen()).isFalse();
        // What was written to the old connection may be lost: the layer above must repair.
        assertThat(events.count(Events.Kind.BEHIND, OTHER)).isEqualTo(1);
    }
}
