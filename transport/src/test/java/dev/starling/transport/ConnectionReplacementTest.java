package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.MessageProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A peer replaces its connection again and again (a newer connection from the same side wins)
 * while messages stream to it. The old connection may lose what was in flight, but the per-peer
 * order must hold: on each connection sequence numbers only grow, everything sent on a newer
 * connection comes after everything on an older one, and nothing is delivered twice.
 */
class ConnectionReplacementTest {

    private static final ReplicaId RAW = new ReplicaId(7);

    /** One raw connection and the sequence numbers that arrived on it, read on its own thread. */
    private static final class Receiver implements AutoCloseable {
        final RawPeer peer;
        /** Written by the reader thread only; read by the test after {@link #close} joined it. */
        final List<Long> seqs = new ArrayList<>();
        final AtomicInteger count = new AtomicInteger();
        final Thread thread;

        Receiver(RawPeer peer) {
            this.peer = peer;
            this.thread = new Thread(this::read, "raw-receiver");
            thread.start();
        }

        private void read() {
            try {
                while (true) {
                    FrameProto f = peer.readFrame(Duration.ofSeconds(30));
                    if (f.getKindCase() == FrameProto.KindCase.GOODBYE) {
                        return;
                    }
                    for (MessageProto m : f.getBatch().getMessagesList()) {
                        seqs.add(m.getPayload().asReadOnlyByteBuffer().getLong());
                        count.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() {
            peer.abort();
            Joins.join(thread);
        }
    }

    @Test
    void shouldKeepPerPeerOrderWhileTheConnectionIsReplacedUnderLoad() throws Exception {
        List<Receiver> receivers = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (TestNode node = TestNode.start(TestNode.config(100).ioThreads(3)
            .heartbeatInterval(Duration.ofSeconds(1)).deadPeerTimeout(Duration.ofSeconds(10)))) {
            Thread producer = new Thread(() -> {
                long seq = 0;
                while (!stop.get()) {
                    if (node.transport.send(RAW, 1, ByteBuffer.allocate(8).putLong(seq).array()) == SendResult.QUEUED) {
                        seq++;
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }, "producer");
            try {
                for (int round = 0; round < 30; round++) {
                    RawPeer peer = RawPeer.connect(node.transport.localAddress());
                    Receiver r;
                    try {
                        peer.handshakeAsClient(TestNode.SECRET, RAW, TestNode.CLUSTER);
                    } finally {
                        r = new Receiver(peer);
                        receivers.add(r);
                    }
                    if (round == 0) {
                        Await.until(() -> node.transport.isConnected(RAW), TestNode.TIMEOUT);
                        producer.start();
                    }
                    Await.until(() -> r.count.get() >= 2_000, TestNode.TIMEOUT, () -> "traffic on the new connection");
                }
            } finally {
                stop.set(true);
                if (producer.isAlive() || producer.getState() != Thread.State.NEW) {
                    Joins.join(producer);
                }
                for (Receiver r : receivers) {
                    r.close();
                }
            }
            assertThat(node.transport.stats().closes(TransportStats.CloseReason.DUPLICATE_CONNECTION)).isEqualTo(29);
        }
        // Strictly increasing across the connections in the order they were opened: in order, no duplicates.
        long previous = -1;
        int total = 0;
        for (int i = 0; i < receivers.size(); i++) {
            List<Long> seqs = receivers.get(i).seqs;
            for (int j = 0; j < seqs.size(); j++) {
                long s = seqs.get(j);
                if (s <= previous) {
                    throw new AssertionError("connection " + i + ", message " + j + ": " + s + " after " + previous);
                }
                previous = s;
            }
            total += seqs.size();
        }
        assertThat(total).isGreaterThanOrEqualTo(30 * 2_000);
    }
}
