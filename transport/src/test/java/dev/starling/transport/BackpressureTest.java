package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.transport.TransportStats.CloseReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A receiver whose consumer stops polling: its small inbound queue fills, it stops reading, TCP
 * pushes back, and the sender's bounded queue overflows. The sender's memory stays flat, the slow
 * peer is reported behind and its messages dropped (counted), the connection stays up (both sides
 * still hear each other's heartbeats), a third peer gets every message, and once the consumer
 * resumes the queue drains.
 */
class BackpressureTest {

    private static final int QUEUE_MESSAGES = 1_000;
    private static final long QUEUE_BYTES = 256 << 10;
    private static final int FRAME = 64 << 10;
    private static final int FLOOD_MIN_MESSAGES = 100_000;
    private static final int TO_THIRD = 20_000;
    private static final Duration DEAD_PEER = Duration.ofMillis(1000);

    @Test
    void shouldKeepTheSendersMemoryBoundedWhenAPeerStopsReading() throws Exception {
        TransportConfig.Builder sender = TestNode.config(1).maxFrameBytes(FRAME).maxBatch(16 << 10, 256)
            .outboundQueue(QUEUE_MESSAGES, QUEUE_BYTES);
        // A short dead-peer timeout on the slow receiver: its reading stays paused far longer. (400 ms
        // was too short on a 2-core machine under a parallel build: a starved event loop alone
        // could miss it, which is not what this test is about.)
        TransportConfig.Builder slow = TestNode.config(2).maxFrameBytes(FRAME).maxBatch(16 << 10, 256)
            .inboundQueue(16, FRAME).heartbeatInterval(Duration.ofMillis(200)).deadPeerTimeout(DEAD_PEER);
        try (TestNode s = TestNode.start(sender); TestNode r = TestNode.start(slow); TestNode t = TestNode.start(3)) {
            s.connect(r);
            s.connect(t);
            s.awaitConnected(r);
            s.awaitConnected(t);
            long heapBefore = Memory.usedHeapAfterGc();
            long directBefore = Memory.usedDirect();

            byte[] filler = new byte[1024];
            int maxDepth = 0;
            long maxBytes = 0;
            long sentToSlow = 0;
            long queuedToSlow = 0;
            int sentToThird = 0;
            long firstDrop = 0;
            long pausedFor = DEAD_PEER.multipliedBy(3).toNanos();
            PeerStats toSlow = s.transport.stats(r.id);
            PeerStats toThird = s.transport.stats(t.id);
            // The consumer of r never polls in here. Keep flooding until far more than the queue
            // bound was offered and r's reading has been paused for several dead-peer timeouts.
            while (sentToSlow < FLOOD_MIN_MESSAGES || firstDrop == 0 || System.nanoTime() - firstDrop < pausedFor) {
                ByteBuffer.wrap(filler).putLong(sentToSlow);
                SendResult result = s.transport.send(r.id, 1, filler.clone());
                sentToSlow++;
                if (result == SendResult.QUEUED) {
                    queuedToSlow++;
                } else if (firstDrop == 0) {
                    firstDrop = System.nanoTime();
                }
                maxDepth = Math.max(maxDepth, toSlow.queueDepth());
                maxBytes = Math.max(maxBytes, toSlow.queuedBytes());
                if (sentToSlow % 10 == 0 && sentToThird < TO_THIRD && toThird.queueDepth() < QUEUE_MESSAGES - 100) {
                    assertThat(s.send(t, "t" + sentToThird)).isEqualTo(SendResult.QUEUED);
                    sentToThird++;
                }
                t.poll();
            }
            while (sentToThird < TO_THIRD) {
                int next = sentToThird;
                Await.until(() -> {
                    t.poll();
                    return toThird.queueDepth() < QUEUE_MESSAGES - 100;
                }, TestNode.TIMEOUT);
                assertThat(s.send(t, "t" + next)).isEqualTo(SendResult.QUEUED);
                sentToThird++;
            }

            // Bounded: the queue never held more than configured, whatever was offered.
            assertThat(sentToSlow).isGreaterThanOrEqualTo(FLOOD_MIN_MESSAGES);
            assertThat(maxDepth).isLessThanOrEqualTo(QUEUE_MESSAGES);
            assertThat(maxBytes).isLessThanOrEqualTo(QUEUE_BYTES);
            assertThat(toSlow.drops()).isEqualTo(sentToSlow - queuedToSlow).isGreaterThan(sentToSlow / 2);
            assertThat(toSlow.behind()).isTrue();
            // Reported behind; possibly several times while TCP was still absorbing the flood (each
            // time the queue had drained completely in between), and behind now.
            long behindEvents = s.events.count(Events.Kind.BEHIND, r.id);
            assertThat(behindEvents).isGreaterThanOrEqualTo(1);
            assertThat(behindEvents - s.events.count(Events.Kind.DRAINED, r.id)).isEqualTo(1);
            assertThat(r.transport.stats().inboundPauses()).isGreaterThanOrEqualTo(1);
            // About 100 MB were offered; the heap and the pools did not take it.
            long heapGrowth = Memory.usedHeapAfterGc() - heapBefore;
            long directGrowth = Memory.usedDirect() - directBefore;
            assertThat(heapGrowth).as("heap growth").isLessThan(32L << 20);
            assertThat(directGrowth).as("direct memory growth").isLessThan(32L << 20);

            // The slow peer is slow, not dead: nobody closed anything.
            assertThat(s.transport.isConnected(r.id) && r.transport.isConnected(s.id)).isTrue();
            assertThat(s.events.count(Events.Kind.DISCONNECTED, r.id)).isZero();
            assertThat(r.events.count(Events.Kind.DISCONNECTED, s.id)).isZero();
            assertThat(r.transport.stats().closes(CloseReason.DEAD_PEER)).isZero();
            assertThat(s.transport.stats().closes(CloseReason.DEAD_PEER)).isZero();

            // The third peer got everything, in order, and was never behind.
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < TO_THIRD; i++) {
                expected.add("t" + i);
            }
            Await.until(() -> {
                t.poll();
                return t.received.size() >= TO_THIRD;
            }, TestNode.TIMEOUT);
            assertThat(t.texts(s.id)).containsExactlyElementsOf(expected);
            assertThat(toThird.drops()).isZero();
            assertThat(s.events.count(Events.Kind.BEHIND, t.id)).isZero();

            // The consumer resumes: the queue drains, the peer is no longer behind, order was kept.
            Await.until(() -> {
                r.poll();
                return s.events.count(Events.Kind.DRAINED, r.id) == behindEvents && toSlow.queueDepth() == 0;
            }, TestNode.TIMEOUT);
            assertThat(toSlow.behind()).isFalse();
            s.roundTrip(r, "after", 10);
            long previous = -1;
            for (TestNode.Received m : r.received) {
                if (m.payload().length == filler.length) {
                    long seq = ByteBuffer.wrap(m.payload()).getLong();
                    assertThat(seq).isGreaterThan(previous);
                    previous = seq;
                }
            }
            assertThat(r.received.size()).isGreaterThan(QUEUE_MESSAGES);
            assertThat(toSlow.messagesOut()).isEqualTo(queuedToSlow + 10);
        }
    }
}
