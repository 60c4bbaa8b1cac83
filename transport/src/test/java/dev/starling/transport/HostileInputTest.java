package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportStats.CloseReason;
import dev.starling.transport.proto.v1.FrameProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile peers on plain sockets against a node that keeps serving a legitimate peer throughout:
 * huge length prefixes, a frame one byte over the limit, slowloris, deeply nested protobuf.
 */
class HostileInputTest {

    private static final ReplicaId ATTACKER = new ReplicaId(666);
    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

    private TestNode node;
    private TestNode friend;

    @BeforeEach
    void setUp() throws Exception {
        node = TestNode.start(TestNode.config(100).frameTimeout(Duration.ofMillis(500)));
        friend = TestNode.start(200);
        friend.connect(node);
        friend.awaitConnected(node);
        friend.roundTrip(node, "before", 10);
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

    /** The legitimate peer still gets messages through, both ways. */
    private void friendStillServed(String tag) {
        friend.roundTrip(node, tag, 100);
        node.roundTrip(friend, tag, 100);
    }

    private RawPeer attacker() throws IOException {
        return RawPeer.connect(node.transport.localAddress());
    }

    private RawPeer authenticatedAttacker() throws IOException {
        RawPeer p = attacker();
        p.handshakeAsClient(TestNode.SECRET, ATTACKER, TestNode.CLUSTER);
        Await.until(() -> node.transport.isConnected(ATTACKER), TestNode.TIMEOUT);
        return p;
    }

    private static byte[] prefix(long length) {
        return ByteBuffer.allocate(4).putInt((int) length).array();
    }

    @Test
    void shouldCloseOnTheLargestLengthPrefixBeforeTakingMemory() throws Exception {
        Memory.usedHeapAfterGc();
        long directBefore = Memory.usedDirect();
        Map<Long, Long> allocatedBefore = Memory.allocatedPerThread();

        // 1. Nothing but the prefix: the node cannot be waiting for the body, it closes at once.
        try (RawPeer p = attacker()) {
            p.write(prefix(0x7FFF_FFFFL));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.FRAME_TOO_LONG.name());
        }
        // 2. The prefix and then a stream of body bytes, until the node hangs up.
        try (RawPeer p = attacker()) {
            p.write(prefix(0x7FFF_FFFFL));
            byte[] chunk = new byte[64 << 10];
            try {
                for (int i = 0; i < 64; i++) {
                    p.write(chunk);
                }
            } catch (IOException e) {
                // reset by the node: expected
            }
            p.awaitClosed(CLOSE_WITHIN);
        }
        // 3. An authenticated peer does the same.
        try (RawPeer p = authenticatedAttacker()) {
            p.write(prefix(0xFFFF_FFFFL));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.FRAME_TOO_LONG.name());
        }
        assertThat(node.transport.stats().closes(CloseReason.FRAME_TOO_LONG)).isEqualTo(3);

        // A 2 GiB frame was announced three times: neither the pools nor the heap saw anything like it.
        long allocated = Memory.allocatedSince(allocatedBefore);
        long directGrowth = Memory.usedDirect() - directBefore;
        assertThat(allocated).as("heap allocated by the node's threads").isLessThan(64L << 20);
        assertThat(directGrowth).as("direct memory growth").isLessThan(16L << 20);
        friendStillServed("after huge prefixes");
    }

    @Test
    void shouldCloseOnAFrameOneByteOverTheMaximum() throws Exception {
        int max = node.transport.config().maxFrameBytes();
        try (RawPeer p = attacker()) {
            p.write(prefix(max + 1L));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.FRAME_TOO_LONG.name());
        }
        friendStillServed("after one byte over");
    }

    /** Writes {@code bytes} one at a time, every {@code interval}, until done or the node hangs up. */
    private static Thread trickle(RawPeer p, byte[] bytes, Duration interval, AtomicInteger sent) {
        Thread t = new Thread(() -> {
            long next = System.nanoTime();
            try {
                for (byte b : bytes) {
                    // Pacing the sender (this is the attack), not waiting for the node.
                    while (System.nanoTime() < next) {
                        LockSupport.parkNanos(next - System.nanoTime());
                    }
                    next += interval.toNanos();
                    p.write(new byte[] {b});
                    sent.incrementAndGet();
                }
            } catch (IOException e) {
                // the node hung up
            }
        }, "slowloris");
        t.start();
        return t;
    }

    @Test
    void shouldCutOffASlowlorisWithTheFrameTimeout() throws Exception {
        // A frame announced at 100 kB whose bytes come one every 20 ms: it would take half an hour.
        byte[] endless = new byte[4 + 100_000];
        ByteBuffer.wrap(endless).putInt(100_000);
        AtomicInteger sent = new AtomicInteger();
        try (RawPeer p = attacker()) {
            Thread t = trickle(p, endless, Duration.ofMillis(20), sent);
            try {
                friendStillServed("during slowloris");
                assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.FRAME_TIMEOUT.name());
            } finally {
                p.abort();
                Joins.join(t);
            }
        }
        assertThat(sent.get()).isLessThan(1_000);
        assertThat(node.transport.stats().closes(CloseReason.FRAME_TIMEOUT)).isEqualTo(1);
        friendStillServed("after slowloris");
    }

    @Test
    void shouldRefuseDeeplyNestedInputWithoutAStackOverflow() throws Exception {
        byte[] nested = Frames.lengthPrefixed(Frames.nestedGroups(100_000));
        assertThat(nested.length).isLessThan(node.transport.config().maxFrameBytes());
        try (RawPeer p = attacker()) {
            p.write(nested);
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.MALFORMED_FRAME.name());
        }
        // Hidden inside a batch message of an authenticated peer.
        byte[] groups = Frames.nestedGroups(100_000);
        byte[] message = Frames.concat(new byte[] {0x1A}, varint(groups.length), groups);
        byte[] batch = Frames.concat(new byte[] {0x22}, varint(message.length), message);
        try (RawPeer p = authenticatedAttacker()) {
            p.write(Frames.lengthPrefixed(batch));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.MALFORMED_FRAME.name());
        }
        assertThat(node.transport.stats().closes(CloseReason.MALFORMED_FRAME)).isEqualTo(2);
        assertThat(node.texts(ATTACKER)).isEmpty();
        friendStillServed("after nested input");
    }

    @Test
    void shouldCloseOnGarbage() throws Exception {
        try (RawPeer p = attacker()) {
            p.write(Frames.lengthPrefixed("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            List<FrameProto> frames = p.awaitClosed(CLOSE_WITHIN);
            assertThat(RawPeer.goodbyeReason(frames)).isIn(CloseReason.MALFORMED_FRAME.name(),
                CloseReason.UNAUTHENTICATED_FRAME.name());
        }
        try (RawPeer p = attacker()) {
            // An HTTP request as is: 'GET ' read as a length prefix of 1.2 GB.
            p.write("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(RawPeer.goodbyeReason(p.awaitClosed(CLOSE_WITHIN))).isEqualTo(CloseReason.FRAME_TOO_LONG.name());
        }
        friendStillServed("after garbage");
    }

    private static byte[] varint(int v) {
        ByteBuffer b = ByteBuffer.allocate(5);
        while ((v & ~0x7F) != 0) {
            b.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        b.put((byte) v);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }
}
