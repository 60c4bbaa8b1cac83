package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The counters of a peer on loopback: they move when and as much as they should. */
class PeerStatsTest {

    @Test
    void shouldCountMessagesFramesAndBytesAlikeOnBothSides() throws Exception {
        try (TestNode a = TestNode.start(1); TestNode b = TestNode.start(2)) {
            a.connect(b);
            a.awaitConnected(b);
            PeerStats ab = a.transport.stats(b.id);
            PeerStats ba = b.transport.stats(a.id);
            assertThat(ab.messagesOut() + ab.messagesIn() + ab.bytesOut() + ab.bytesIn() + ab.framesOut()).isZero();
            // Payloads of every size class, empty ones included.
            int[] sizes = {0, 1, 0, 127, 128, 16_384, 0, 100_000};
            int n = sizes.length;
            for (int size : sizes) {
                assertThat(a.transport.send(b.id, 5, new byte[size])).isEqualTo(SendResult.QUEUED);
            }
            b.awaitReceived(n);
            a.roundTrip(b, "x", 50);
            b.roundTrip(a, "y", 30);
            Await.until(() -> ab.messagesIn() == 30 && ba.messagesIn() == n + 50, TestNode.TIMEOUT);
            assertThat(ab.messagesOut()).isEqualTo(n + 50);
            assertThat(ba.messagesOut()).isEqualTo(30);
            assertThat(ba.bytesIn()).isEqualTo(ab.bytesOut()).isGreaterThan(116_639);
            assertThat(ab.bytesIn()).isEqualTo(ba.bytesOut());
            assertThat(ba.framesIn()).isEqualTo(ab.framesOut()).isPositive();
            assertThat(ab.framesIn()).isEqualTo(ba.framesOut()).isPositive();
            for (PeerStats s : new PeerStats[] {ab, ba}) {
                assertThat(s.drops()).isZero();
                assertThat(s.queueDepth()).isZero();
                assertThat(s.queuedBytes()).isZero();
                assertThat(s.handshakeFailures()).isZero();
                assertThat(s.behind()).isFalse();
                assertThat(s.connected()).isTrue();
            }
            assertThat(ab.reconnects()).isZero();
            assertThat(b.transport.stats().connectionsAccepted()).isEqualTo(1);
            assertThat(b.transport.stats().connectionsEstablished()).isEqualTo(1);
            assertThat(a.transport.stats().connectionsEstablished()).isEqualTo(1);
            assertThat(a.transport.stats().handshakeFailures() + a.transport.stats().badFrames()).isZero();
        }
    }

    @Test
    void shouldKeepReconnectingWhenConnectionsAreRefusedAtOnce() throws Exception {
        // More event loops than cores and short backoffs: a refused connection on loopback often
        // fails on its own loop before the retry task that opened it (on another loop) has ended.
        int deadPort = freePort();
        ReplicaId absent = new ReplicaId(9);
        try (TestNode a = TestNode.start(TestNode.config(1).ioThreads(8)
            .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(2)))) {
            a.transport.connect(absent, new InetSocketAddress("127.0.0.1", deadPort));
            Await.until(() -> a.transport.stats(absent).reconnects() >= 500, TestNode.TIMEOUT,
                () -> "reconnect attempts, have " + a.transport.stats(absent).reconnects());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort(); // closed right away: nothing listens there
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldCountQueueDropsAndReconnectsWhileThePeerIsUnreachable() throws Exception {
        int deadPort = freePort();
        ReplicaId absent = new ReplicaId(9);
        try (TestNode a = TestNode.start(TestNode.config(1).outboundQueue(10, 4 << 20))) {
            a.transport.connect(absent, new InetSocketAddress("127.0.0.1", deadPort));
            PeerStats s = a.transport.stats(absent);
            for (int i = 0; i < 25; i++) {
                a.transport.send(absent, 1, new byte[100]);
            }
            assertThat(s.queueDepth()).isEqualTo(10);
            assertThat(s.queuedBytes()).isEqualTo(1_000);
            assertThat(s.drops()).isEqualTo(15);
            assertThat(s.behind()).isTrue();
            assertThat(a.events.count(Events.Kind.BEHIND, absent)).isEqualTo(1);
            // Refused connections are retried with backoff; no handshake ever started.
            Await.until(() -> s.reconnects() >= 3, TestNode.TIMEOUT);
            assertThat(s.handshakeFailures()).isZero();
            assertThat(s.connected()).isFalse();
            assertThat(s.messagesOut()).isZero();
            // Forgetting the peer drops its queue and its counters.
            a.transport.forget(absent);
            assertThat(a.transport.stats(absent)).isNull();
            assertThat(a.transport.send(absent, 1, new byte[1])).isEqualTo(SendResult.UNKNOWN_PEER);
            assertThat(s.queueDepth()).isZero();
            assertThat(s.queuedBytes()).isZero();
        }
    }
}
