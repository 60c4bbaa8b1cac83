package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three endpoints on loopback, each sending one million small numbered messages to each of the
 * other two (six million in all): every message arrives, exactly once, in the order it was sent
 * to that peer. The sender respects the queue bound (it waits instead of having messages dropped),
 * so any gap is a loss by the transport.
 */
class LoopbackMillionTest {

    private static final int PER_DIRECTION = 1_000_000;
    private static final int QUEUE = 16 * 1024;
    private static final int CHUNK = 1024;

    /** One endpoint's sending and receiving state; all on the test thread. */
    private static final class Endpoint {
        final TestNode node;
        final List<TestNode> peers;
        final long[] sent = new long[2];
        final long[] expected = new long[2];
        String violation;
        long received;

        Endpoint(TestNode node, List<TestNode> peers) {
            this.node = node;
            this.peers = peers;
        }

        /** Sends up to a chunk to each peer whose queue has room; returns how many were queued. */
        int send() {
            int n = 0;
            for (int p = 0; p < 2; p++) {
                ReplicaId to = peers.get(p).id;
                if (sent[p] == PER_DIRECTION || node.transport.stats(to).queueDepth() > QUEUE - CHUNK) {
                    continue;
                }
                long end = Math.min(PER_DIRECTION, sent[p] + CHUNK);
                for (long seq = sent[p]; seq < end; seq++) {
                    SendResult r = node.transport.send(to, 1, encode(seq));
                    if (r != SendResult.QUEUED) {
                        throw new AssertionError(node.id + " -> " + to + " message " + seq + ": " + r);
                    }
                    n++;
                }
                sent[p] = end;
            }
            return n;
        }

        int receive() {
            return node.transport.poll((sender, type, payload) -> {
                int p = peers.get(0).id.equals(sender) ? 0 : 1;
                long seq = decode(payload);
                if (seq != expected[p] && violation == null) {
                    violation = node.id + " expected message " + expected[p] + " from " + sender + ", got " + seq;
                }
                expected[p] = seq + 1;
                received++;
            }, 8 * CHUNK);
        }

        boolean done() {
            return sent[0] == PER_DIRECTION && sent[1] == PER_DIRECTION && received == 2L * PER_DIRECTION;
        }
    }

    private static byte[] encode(long seq) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) seq;
            seq >>>= 8;
        }
        return b;
    }

    private static long decode(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    private static TransportConfig.Builder config(long id) {
        // One I/O thread each (three nodes share two cores); timeouts of the LAN profile so a GC
        // pause under load is not taken for a dead peer.
        return TestNode.config(id).ioThreads(1).outboundQueue(QUEUE, 16L << 20)
            .heartbeatInterval(Duration.ofSeconds(1)).deadPeerTimeout(Duration.ofSeconds(10));
    }

    @Test
    void shouldDeliverAMillionMessagesEachWayBetweenThreeEndpointsInOrder() throws Exception {
        try (TestNode a = TestNode.start(config(1)); TestNode b = TestNode.start(config(2));
             TestNode c = TestNode.start(config(3))) {
            a.connect(b);
            a.connect(c);
            b.connect(c);
            a.awaitConnected(b);
            a.awaitConnected(c);
            b.awaitConnected(c);
            List<Endpoint> endpoints = List.of(new Endpoint(a, List.of(b, c)), new Endpoint(b, List.of(a, c)),
                new Endpoint(c, List.of(a, b)));

            long start = System.nanoTime();
            long deadline = start + Duration.ofSeconds(60).toNanos();
            while (!endpoints.stream().allMatch(Endpoint::done)) {
                int progress = 0;
                for (Endpoint e : endpoints) {
                    progress += e.send();
                    progress += e.receive();
                    if (e.violation != null) {
                        throw new AssertionError(e.violation);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not done after 60 s: " + endpoints.stream()
                        .map(e -> e.node.id + " received " + e.received).toList());
                }
                if (progress == 0) {
                    Thread.yield(); // let the I/O threads catch up
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            for (Endpoint e : endpoints) {
                assertThat(e.expected).containsExactly(PER_DIRECTION, PER_DIRECTION);
                for (TestNode peer : e.peers) {
                    PeerStats out = e.node.transport.stats(peer.id);
                    PeerStats in = peer.transport.stats(e.node.id);
                    assertThat(out.messagesOut()).isEqualTo(PER_DIRECTION);
                    assertThat(in.messagesIn()).isEqualTo(PER_DIRECTION);
                    assertThat(in.bytesIn()).isEqualTo(out.bytesOut());
                    assertThat(in.framesIn()).isEqualTo(out.framesOut());
                    assertThat(out.drops()).isZero();
                    assertThat(out.queueDepth()).isZero();
                    assertThat(e.node.events.count(Events.Kind.DISCONNECTED, peer.id)).isZero();
                }
            }
            System.out.printf("6 x %d messages in %d ms%n", PER_DIRECTION, took.toMillis());
            assertThat(took).isLessThan(Duration.ofSeconds(45));
        }
    }
}
