package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportStats.CloseReason;
import dev.starling.transport.proto.v1.FrameProto;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Peers that do not know the cluster secret, belong to another cluster, or replay a recorded
 * handshake never get a message through, while a legitimate peer keeps being served.
 */
class HandshakeSecurityTest {

    private static final ReplicaId INTRUDER = new ReplicaId(300);

    private TestNode node;
    private TestNode friend;

    @BeforeEach
    void setUp() throws Exception {
        node = TestNode.start(100);
        friend = TestNode.start(200);
        friend.connect(node);
        friend.awaitConnected(node);
    }

    @AfterEach
    void tearDown() {
        friend.close();
        node.close();
    }

    /** Nothing from the intruder ever reached the node's consumer, and it never became a peer. */
    private void assertNothingGotThrough() {
        node.poll();
        assertThat(node.texts(INTRUDER)).isEmpty();
        assertThat(node.transport.isConnected(INTRUDER)).isFalse();
        assertThat(node.transport.stats(INTRUDER)).as("never a peer").isNull();
        assertThat(node.events.count(Events.Kind.CONNECTED, INTRUDER)).isZero();
        friend.roundTrip(node, "friend", 100);
        node.roundTrip(friend, "friend", 100);
    }

    /** An intruder running the real transport with {@code config}: it retries with backoff, sending all along. */
    private void intrudeWith(TransportConfig.Builder config, CloseReason seenByIntruder) throws Exception {
        try (TestNode intruder = TestNode.start(config)) {
            intruder.connect(node);
            for (int i = 0; i < 100; i++) {
                intruder.send(node, "intrusion " + i);
            }
            // Several full attempts, each refused.
            Await.until(() -> intruder.transport.stats(node.id).handshakeFailures() >= 3, TestNode.TIMEOUT);
            assertThat(intruder.transport.stats().closes(seenByIntruder)).isGreaterThanOrEqualTo(3);
            assertThat(intruder.transport.stats(node.id).reconnects()).isGreaterThanOrEqualTo(2);
            assertThat(intruder.transport.stats(node.id).messagesOut()).isZero();
            assertThat(intruder.transport.stats(node.id).queueDepth()).isEqualTo(100);
            assertThat(intruder.events.count(Events.Kind.CONNECTED, node.id)).isZero();
            assertNothingGotThrough();
        }
    }

    @Test
    void shouldNeverLetAPeerWithTheWrongSecretThrough() throws Exception {
        // The intruder finds out first (the server's proof does not verify) and gives up.
        intrudeWith(TransportConfig.local(INTRUDER, TestNode.CLUSTER, TestNode.OTHER_SECRET), CloseReason.WRONG_SECRET);
    }

    @Test
    void shouldNeverLetAPeerOfAnotherClusterThrough() throws Exception {
        intrudeWith(TransportConfig.local(INTRUDER, "another-cluster", TestNode.SECRET), CloseReason.PROTOCOL_VIOLATION);
        assertThat(node.transport.stats().closes(CloseReason.WRONG_CLUSTER)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void shouldRefuseAValidLookingHelloFollowedByAWrongProof() throws Exception {
        try (RawPeer raw = RawPeer.connect(node.transport.localAddress())) {
            HandshakeAuth guess = new HandshakeAuth(TestNode.OTHER_SECRET, new SecureRandom());
            raw.writeFrame(Frames.clientHello(INTRUDER, TestNode.CLUSTER, guess.newNonce()));
            FrameProto hello = raw.readFrame(Duration.ofSeconds(5));
            assertThat(hello.getKindCase()).isEqualTo(FrameProto.KindCase.SERVER_HELLO);
            byte[] wrongProof = new byte[32];
            new SecureRandom().nextBytes(wrongProof);
            // The wrong proof and a batch right behind it, in one write.
            raw.write(Frames.concat(Frames.frame(Frames.clientProof(wrongProof)),
                Frames.batch(1, INTRUDER, List.of(new Outgoing(1, "forged".getBytes(java.nio.charset.StandardCharsets.UTF_8))))));
            assertThat(RawPeer.goodbyeReason(raw.awaitClosed(Duration.ofSeconds(5)))).isEqualTo(CloseReason.WRONG_SECRET.name());
        }
        assertThat(node.transport.stats().closes(CloseReason.WRONG_SECRET)).isEqualTo(1);
        assertNothingGotThrough();
    }

    @Test
    void shouldNotLetAFailedHandshakeClaimingAPeerTouchThatPeersState() throws Exception {
        // The node is dialling a peer that is slow to answer (its first attempt is in its handshake).
        ReplicaId slowPeer = new ReplicaId(500);
        try (RawServer mute = new RawServer(p -> { });
             TestNode dialer = TestNode.start(TestNode.config(150).handshakeTimeout(Duration.ofMillis(300))
                 .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20)))) {
            dialer.transport.connect(slowPeer, mute.address());
            Await.until(() -> mute.connections() == 1, TestNode.TIMEOUT);
            // An unauthenticated connection claims to be that peer and fails its handshake.
            try (RawPeer raw = RawPeer.connect(dialer.transport.localAddress())) {
                raw.writeFrame(Frames.clientHello(slowPeer, TestNode.CLUSTER, new byte[32]));
                raw.readFrame(Duration.ofSeconds(5));
                raw.writeFrame(Frames.clientProof(new byte[32]));
                assertThat(RawPeer.goodbyeReason(raw.awaitClosed(Duration.ofSeconds(5))))
                    .isEqualTo(CloseReason.WRONG_SECRET.name());
            }
            // The first attempt times out and the node tries once more: one reconnect, its own.
            Await.until(() -> mute.connections() == 2, TestNode.TIMEOUT);
            assertThat(dialer.transport.stats(slowPeer).reconnects()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseABatchSentWithoutAnyHandshake() throws Exception {
        try (RawPeer raw = RawPeer.connect(node.transport.localAddress())) {
            raw.write(Frames.batch(1, INTRUDER, List.of(new Outgoing(1, new byte[] {1}))));
            assertThat(RawPeer.goodbyeReason(raw.awaitClosed(Duration.ofSeconds(5))))
                .isEqualTo(CloseReason.UNAUTHENTICATED_FRAME.name());
        }
        assertNothingGotThrough();
    }

    @Test
    void shouldRefuseAHandshakeRecordedFromALegitimatePeerAndReplayed() throws Exception {
        ReplicaId legit = new ReplicaId(400);
        byte[] recording;
        try (RecordingProxy proxy = new RecordingProxy(node.transport.localAddress());
             TestNode client = TestNode.start(legit)) {
            // A legitimate session through the proxy: handshake, then messages.
            client.transport.connect(node.id, proxy.address());
            Await.until(() -> node.transport.isConnected(legit), TestNode.TIMEOUT);
            client.roundTrip(node, "recorded", 20);
            recording = proxy.recordedFromClient();
            assertThat(recording.length).isGreaterThan(100);

            // Replayed verbatim on a new connection while the legitimate one is up: the node's
            // fresh nonce makes the recorded proof worthless, and the recorded batches are dropped.
            try (RawPeer replay = RawPeer.connect(node.transport.localAddress())) {
                replay.write(recording);
                List<FrameProto> answer = replay.awaitClosed(Duration.ofSeconds(5));
                assertThat(answer.get(0).getKindCase()).isEqualTo(FrameProto.KindCase.SERVER_HELLO);
                assertThat(RawPeer.goodbyeReason(answer)).isEqualTo(CloseReason.WRONG_SECRET.name());
            }
            node.poll();
            assertThat(node.texts(legit)).as("only the original 20").hasSize(20);
            assertThat(node.transport.stats().closes(CloseReason.WRONG_SECRET)).isEqualTo(1);
            // The legitimate session was not disturbed.
            client.roundTrip(node, "after the replay", 20);
            assertThat(node.events.count(Events.Kind.DISCONNECTED, legit)).isZero();
        }
        // Replayed again once the legitimate peer is gone: still nothing.
        try (RawPeer replay = RawPeer.connect(node.transport.localAddress())) {
            replay.write(recording);
            assertThat(RawPeer.goodbyeReason(replay.awaitClosed(Duration.ofSeconds(5))))
                .isEqualTo(CloseReason.WRONG_SECRET.name());
        }
        node.poll();
        assertThat(node.texts(legit)).hasSize(40);
        assertNothingGotThrough();
    }
}
