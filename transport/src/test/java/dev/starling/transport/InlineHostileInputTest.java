package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportStats.CloseReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inline delivery changes where messages go, not what is let in: the frame limit, malformed frames,
 * the handshake, the sender check and the payload limits all act before the inline handler, which
 * never sees anything a refused peer sent. A legitimate peer is served inline throughout.
 */
class InlineHostileInputTest {

    private static final ReplicaId ATTACKER = new ReplicaId(666);
    private static final ReplicaId INTRUDER = new ReplicaId(300);
    private static final int SMALL_TYPE = 5;
    private static final int SMALL_LIMIT = 16;
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

    private final Inbox inbox = new Inbox();
    private TestNode node;
    private TestNode friend;

    @BeforeEach
    void setUp() throws Exception {
        node = TestNode.start(TestNode.config(100).inlineHandler(inbox).maxPayloadBytes(SMALL_TYPE, SMALL_LIMIT));
        friend = TestNode.start(200);
        friend.connect(node);
        friend.awaitConnected(node);
        friendServed("before");
    }

    @AfterEach
    void tearDown() {
        if (friend != null) {
            friend.close();
        }
        if (node != null) {
            node.close();
        }
    }

    /** The friend's messages reach the inline handler, all and in order. */
    private void friendServed(String tag) {
        int before = inbox.texts(friend.id).size();
        for (int i = 0; i < 50; i++) {
            friend.send(node, tag + "-" + i);
        }
        Await.until(() -> inbox.texts(friend.id).size() == before + 50, TestNode.TIMEOUT, () -> "friend's " + tag);
        List<String> got = inbox.texts(friend.id).subList(before, before + 50);
        for (int i = 0; i < 50; i++) {
            assertThat(got.get(i)).isEqualTo(tag + "-" + i);
        }
    }

    private RawPeer authenticatedAttacker() throws IOException {
        RawPeer p = RawPeer.connect(node.transport.localAddress());
        p.handshakeAsClient(TestNode.SECRET, ATTACKER, TestNode.CLUSTER);
        Await.until(() -> node.transport.isConnected(ATTACKER), TestNode.TIMEOUT);
        return p;
    }

    private static byte[] batch(ReplicaId sender, int type, String... texts) {
        List<Outgoing> messages = new java.util.ArrayList<>();
        for (String t : texts) {
            messages.add(new Outgoing(type, t.getBytes(StandardCharsets.UTF_8)));
        }
        return Frames.batch(TransportConfig.MAX_PROTOCOL_VERSION, sender, messages);
    }

    @Test
    void shouldStillRefuseAFrameOverTheLimitBeforeReadingIt() throws Exception {
        int max = node.transport.config().maxFrameBytes();
        try (RawPeer p = authenticatedAttacker()) {
            byte[] overLimit = ByteBuffer.allocate(4).putInt(max + 1).array();
            p.write(Frames.concat(batch(ATTACKER, 1, "first"), overLimit, new byte[1024]));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.FRAME_TOO_LONG.name());
        }
        assertThat(inbox.texts(ATTACKER)).containsExactly("first");
        assertThat(node.transport.stats().closes(CloseReason.FRAME_TOO_LONG)).isEqualTo(1);
        friendServed("after");
    }

    @Test
    void shouldStillCloseOnAMalformedFrameAndDeliverNothingAfterIt() throws Exception {
        byte[] garbage = Frames.lengthPrefixed(new byte[] {0x22, 0x7F, 0x01, 0x02});
        try (RawPeer p = authenticatedAttacker()) {
            p.write(Frames.concat(batch(ATTACKER, 1, "m1"), garbage, batch(ATTACKER, 1, "m2")));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.MALFORMED_FRAME.name());
        }
        assertThat(inbox.texts(ATTACKER)).containsExactly("m1");
        assertThat(node.transport.stats().closes(CloseReason.MALFORMED_FRAME)).isEqualTo(1);
        friendServed("after");
    }

    @Test
    void shouldRefuseAWholeBatchWithOnePayloadOverItsLimitBeforeHandingOverAnyOfIt() throws Exception {
        String fits = "x".repeat(SMALL_LIMIT);
        String over = "x".repeat(SMALL_LIMIT + 1);
        try (RawPeer p = authenticatedAttacker()) {
            p.write(batch(ATTACKER, SMALL_TYPE, "ok", fits, over, "never"));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.PROTOCOL_VIOLATION.name());
        }
        assertThat(inbox.texts(ATTACKER)).isEmpty();
        friendServed("after");
    }

    @Test
    void shouldNotHandOverABatchClaimingAnotherSender() throws Exception {
        try (RawPeer p = authenticatedAttacker()) {
            p.write(batch(friend.id, 1, "forged"));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.PROTOCOL_VIOLATION.name());
        }
        assertThat(inbox.all()).noneMatch(d -> d.text().equals("forged"));
        friendServed("after");
    }

    @Test
    void shouldNeverCallTheInlineHandlerBeforeTheHandshake() throws Exception {
        // A batch with no handshake at all.
        try (RawPeer raw = RawPeer.connect(node.transport.localAddress())) {
            raw.write(batch(INTRUDER, 1, "no handshake"));
            assertThat(RawPeer.goodbyeReason(raw.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.UNAUTHENTICATED_FRAME.name());
        }
        // A wrong proof with a batch right behind it, in one write.
        try (RawPeer raw = RawPeer.connect(node.transport.localAddress())) {
            HandshakeAuth guess = new HandshakeAuth(TestNode.OTHER_SECRET, new SecureRandom());
            raw.writeFrame(Frames.clientHello(INTRUDER, TestNode.CLUSTER, guess.newNonce()));
            raw.readFrame(CLOSE_WITHIN);
            byte[] wrongProof = new byte[32];
            new SecureRandom().nextBytes(wrongProof);
            raw.write(Frames.concat(Frames.frame(Frames.clientProof(wrongProof)), batch(INTRUDER, 1, "after a wrong proof")));
            assertThat(RawPeer.goodbyeReason(raw.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.WRONG_SECRET.name());
        }
        // A real transport with the wrong secret, retrying and queueing all along.
        try (TestNode intruder = TestNode.start(TransportConfig.local(INTRUDER, TestNode.CLUSTER, TestNode.OTHER_SECRET))) {
            intruder.connect(node);
            for (int i = 0; i < 20; i++) {
                intruder.send(node, "intrusion " + i);
            }
            Await.until(() -> intruder.transport.stats(node.id).handshakeFailures() >= 3, TestNode.TIMEOUT);
        }
        assertThat(inbox.texts(INTRUDER)).isEmpty();
        assertThat(node.transport.isConnected(INTRUDER)).isFalse();
        assertThat(node.transport.stats().closes(CloseReason.WRONG_SECRET)).isGreaterThanOrEqualTo(1);
        assertThat(inbox.all()).allMatch(d -> d.sender().equals(friend.id));
        friendServed("after");
    }
}
