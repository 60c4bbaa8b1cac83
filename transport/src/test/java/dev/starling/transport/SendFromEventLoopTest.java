package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.BatchProto;
import dev.starling.transport.proto.v1.FrameProto;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code send} called by an inline handler, on an event loop: the same bounded queue, the same
 * per-sender order beside other threads sending to the same peer, replies to one frame sent in one
 * frame, and a full queue still dropping and reporting the peer behind.
 */
class SendFromEventLoopTest {

    private static final int TRIGGER = 9;
    private static final int REPLY = 10;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A's inline handler sends to B for each trigger from C, while a thread of the test sends to B
     * through A as well. With one I/O thread, A's connections to B and C share the event loop, so
     * the handler's sends are drained in place at the end of each frame; with two they are on
     * different loops and the handler's sends wake B's loop up like any other thread's.
     */
    @ParameterizedTest(name = "ioThreads={0}")
    @ValueSource(ints = {1, 2})
    void shouldKeepEachSendersOrderWithEventLoopAndOtherThreadsSendingToOnePeer(int ioThreads) throws Exception {
        int triggers = 2_000;
        int perTrigger = 5;
        int external = 10_000;
        ReplicaId bId = new ReplicaId(2);
        AtomicReference<String> error = new AtomicReference<>();
        Inbox inbox = new Inbox().then((t, sender, type, payload) -> {
            int k = ByteBuffer.wrap(payload).getInt();
            for (int j = 0; j < perTrigger; j++) {
                SendResult r = t.send(bId, 1, utf8("loop-" + (k * perTrigger + j)));
                if (r != SendResult.QUEUED) {
                    error.compareAndSet(null, "loop send " + r);
                }
            }
        });
        try (TestNode a = TestNode.start(TestNode.config(1).ioThreads(ioThreads)
                 .outboundQueue(64 * 1024, 64L << 20).inlineHandler(inbox, TRIGGER));
             TestNode b = TestNode.start(bId);
             TestNode c = TestNode.start(3)) {
            a.connect(b);
            c.connect(a);
            a.awaitConnected(b);
            c.awaitConnected(a);
            Thread other = new Thread(() -> {
                for (int i = 0; i < external; i++) {
                    SendResult r = a.transport.send(bId, 1, utf8("ext-" + i));
                    if (r != SendResult.QUEUED) {
                        error.compareAndSet(null, "external send " + r);
                    }
                }
            }, "external-sender");
            other.start();
            try {
                for (int k = 0; k < triggers; k++) {
                    assertThat(c.transport.send(a.id, TRIGGER, ByteBuffer.allocate(4).putInt(k).array()))
                        .isEqualTo(SendResult.QUEUED);
                }
                b.awaitReceived(triggers * perTrigger + external);
            } finally {
                Joins.join(other);
            }
            assertThat(error.get()).isNull();
            List<String> loop = new ArrayList<>();
            List<String> ext = new ArrayList<>();
            for (String s : b.texts(a.id)) {
                (s.startsWith("loop-") ? loop : ext).add(s);
            }
            assertThat(loop).hasSize(triggers * perTrigger);
            assertThat(ext).hasSize(external);
            for (int i = 0; i < loop.size(); i++) {
                assertThat(loop.get(i)).isEqualTo("loop-" + i);
            }
            for (int i = 0; i < ext.size(); i++) {
                assertThat(ext.get(i)).isEqualTo("ext-" + i);
            }
            PeerStats toB = a.transport.stats(bId);
            assertThat(toB.drops()).isZero();
            assertThat(toB.messagesOut()).isEqualTo(triggers * perTrigger + external);
            Await.until(() -> toB.queueDepth() == 0, TestNode.TIMEOUT);
            assertThat(b.received).hasSize(triggers * perTrigger + external);
        }
    }

    @Test
    void shouldSendTheRepliesToTheRequestsOfOneFrameInOneFrame() throws Exception {
        ReplicaId rawId = new ReplicaId(50);
        Inbox inbox = new Inbox().then((t, sender, type, payload) -> t.send(sender, REPLY, payload));
        try (TestNode node = TestNode.start(TestNode.config(100).inlineHandler(inbox, TRIGGER));
             RawPeer raw = RawPeer.connect(node.transport.localAddress())) {
            raw.handshakeAsClient(TestNode.SECRET, rawId, TestNode.CLUSTER);
            Await.until(() -> node.transport.isConnected(rawId), TestNode.TIMEOUT);
            List<Outgoing> requests = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                requests.add(new Outgoing(TRIGGER, utf8("request-" + i)));
            }
            raw.write(Frames.batch(TransportConfig.MAX_PROTOCOL_VERSION, rawId, requests));
            FrameProto frame;
            do {
                frame = raw.readFrame(Duration.ofSeconds(5));
            } while (frame.getKindCase() == FrameProto.KindCase.PING);
            assertThat(frame.getKindCase()).isEqualTo(FrameProto.KindCase.BATCH);
            BatchProto batch = frame.getBatch();
            assertThat(batch.getMessagesCount()).as("replies in the first frame").isEqualTo(100);
            for (int i = 0; i < 100; i++) {
                assertThat(batch.getMessages(i).getType()).isEqualTo(REPLY);
                assertThat(batch.getMessages(i).getPayload().toStringUtf8()).isEqualTo("request-" + i);
            }
            assertThat(node.transport.stats(rawId).framesOut()).isEqualTo(1);
        }
    }

    @Test
    void shouldDropAndReportBehindWhenAnInlineHandlerOverfillsAPeersQueue() throws Exception {
        int bound = 100;
        int burst = 300;
        ReplicaId bId = new ReplicaId(2);
        List<SendResult> results = new CopyOnWriteArrayList<>();
        Inbox inbox = new Inbox().then((t, sender, type, payload) -> {
            for (int j = 0; j < burst; j++) {
                results.add(t.send(bId, 1, utf8("burst-" + j)));
            }
        });
        // One I/O thread: the connection to B is served by the thread running the handler, so
        // nothing drains the queue to B while the handler fills it.
        TransportConfig.Builder config = TestNode.config(1).ioThreads(1).maxFrameBytes(64 << 10).maxBatch(16 << 10, 256)
            .outboundQueue(bound, 64 << 10).inlineHandler(inbox, TRIGGER);
        try (TestNode a = TestNode.start(config);
             TestNode b = TestNode.start(bId);
             TestNode c = TestNode.start(3)) {
            a.connect(b);
            c.connect(a);
            a.awaitConnected(b);
            c.awaitConnected(a);
            c.transport.send(a.id, TRIGGER, utf8("go"));
            Await.until(() -> results.size() == burst, TestNode.TIMEOUT);
            assertThat(results.subList(0, bound)).containsOnly(SendResult.QUEUED);
            assertThat(results.subList(bound, burst)).containsOnly(SendResult.DROPPED_BEHIND);
            PeerStats toB = a.transport.stats(bId);
            assertThat(toB.drops()).isEqualTo(burst - bound);
            assertThat(a.events.count(Events.Kind.BEHIND, bId)).isEqualTo(1);
            // What was queued arrives, in order; then the peer has drained and is not behind any more.
            b.awaitReceived(bound);
            List<String> expected = new ArrayList<>();
            for (int j = 0; j < bound; j++) {
                expected.add("burst-" + j);
            }
            assertThat(b.texts(a.id)).containsExactlyElementsOf(expected);
            Await.until(() -> a.events.count(Events.Kind.DRAINED, bId) == 1, TestNode.TIMEOUT);
            assertThat(toB.behind()).isFalse();
            assertThat(toB.queueDepth()).isZero();
            a.roundTrip(b, "after", 10);
        }
    }
}
