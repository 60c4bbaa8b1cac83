package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.TransportStats.CloseReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Inline delivery over real sockets: request/response answered on the event loops, with several
 * peers at once and a polled type beside the inline ones; handlers that throw.
 */
class InlineDeliveryTest {

    private static final int REQUEST = 7;
    private static final int RESPONSE = 8;
    private static final int POLLED = 1;

    private static byte[] sequenced(long seq) {
        byte[] b = new byte[64];
        ByteBuffer.wrap(b).putLong(0, seq);
        return b;
    }

    private static long seq(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong(0);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldAnswerEveryRequestInOrderOnTheEventLoops() throws Exception {
        int perClient = 5_000;
        AtomicReference<String> serverError = new AtomicReference<>();
        Inbox serverInbox = new Inbox().then((t, sender, type, payload) -> {
            SendResult r = t.send(sender, RESPONSE, payload);
            if (r != SendResult.QUEUED) {
                serverError.compareAndSet(null, "reply to " + sender + " " + r);
            }
        });
        List<TestNode> clients = new ArrayList<>();
        Map<ReplicaId, Inbox> replies = new ConcurrentHashMap<>();
        try (TestNode server = TestNode.start(TestNode.config(100).inlineHandler(serverInbox, REQUEST))) {
            try {
                for (long id = 1; id <= 3; id++) {
                    Inbox inbox = new Inbox();
                    TestNode c = TestNode.start(TestNode.config(id).inlineHandler(inbox, RESPONSE));
                    clients.add(c);
                    replies.put(c.id, inbox);
                    c.connect(server);
                }
                for (TestNode c : clients) {
                    c.awaitConnected(server);
                }
                String testThread = Thread.currentThread().getName();
                TestNode first = clients.get(0);
                // Requests of the three clients interleaved; the first also sends polled messages between its requests.
                for (int i = 0; i < perClient; i++) {
                    for (TestNode c : clients) {
                        assertThat(c.transport.send(server.id, REQUEST, sequenced(i))).isEqualTo(SendResult.QUEUED);
                    }
                    if (i % 10 == 0) {
                        assertThat(first.transport.send(server.id, POLLED, utf8("polled-" + i / 10)))
                            .isEqualTo(SendResult.QUEUED);
                    }
                }
                for (TestNode c : clients) {
                    Inbox inbox = replies.get(c.id);
                    inbox.awaitSize(perClient);
                    List<Long> got = new ArrayList<>();
                    for (Inbox.Delivered d : inbox.all()) {
                        assertThat(d.sender()).isEqualTo(server.id);
                        assertThat(d.type()).isEqualTo(RESPONSE);
                        got.add(seq(d.payload()));
                    }
                    assertThat(got).as("replies to %s, in order", c.id).hasSize(perClient);
                    for (int i = 0; i < perClient; i++) {
                        assertThat(got.get(i)).isEqualTo(i);
                    }
                    assertThat(inbox.threads()).doesNotContain(testThread);
                    // Replies were not queued for the client's consumer.
                    assertThat(c.poll()).isZero();
                }
                assertThat(serverError.get()).isNull();
                assertThat(serverInbox.size()).isEqualTo(3 * perClient);
                assertThat(serverInbox.threads()).doesNotContain(testThread);
                for (TestNode c : clients) {
                    assertThat(serverInbox.all().stream().filter(d -> d.sender().equals(c.id)).map(d -> seq(d.payload())))
                        .as("requests from %s, in order", c.id).isSorted().hasSize(perClient);
                    assertThat(server.transport.stats(c.id).messagesIn()).isEqualTo(perClient + (c == first ? perClient / 10 : 0));
                }
                // The polled type still goes to the consumer, in order, and only there.
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < perClient / 10; i++) {
                    expected.add("polled-" + i);
                }
                Await.until(() -> {
                    server.poll();
                    return server.received.size() >= expected.size();
                }, TestNode.TIMEOUT);
                assertThat(server.texts(first.id)).containsExactlyElementsOf(expected);
                assertThat(server.received).allMatch(r -> r.type() == POLLED);
                assertThat(server.transport.stats().inlineHandlerFailures()).isZero();
            } finally {
                for (TestNode c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void shouldKeepTheConnectionWhenTheInlineHandlerThrows() throws Exception {
        Inbox inbox = new Inbox().then((t, sender, type, payload) -> {
            String text = new String(payload, StandardCharsets.UTF_8);
            if (text.endsWith("-boom")) {
                throw new IllegalStateException("handler bug on " + text);
            }
            if (text.endsWith("-checked")) {
                throw sneaky(new IOException("checked, thrown sneakily, on " + text));
            }
        });
        try (TestNode node = TestNode.start(TestNode.config(100).inlineHandler(inbox));
             TestNode p1 = TestNode.start(1);
             TestNode p2 = TestNode.start(2)) {
            p1.connect(node);
            p2.connect(node);
            p1.awaitConnected(node);
            p2.awaitConnected(node);
            long established = node.transport.stats().connectionsEstablished();
            List<String> expected1 = new ArrayList<>();
            List<String> expected2 = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String a = "a" + i + (i == 10 ? "-boom" : i == 20 ? "-checked" : "");
                String b = "b" + i + (i == 150 ? "-boom" : "");
                p1.send(node, a);
                p2.send(node, b);
                expected1.add(a);
                expected2.add(b);
            }
            inbox.awaitSize(400);
            // Every message was handed over, in order, the failing ones included, and the handler went on after them.
            assertThat(inbox.texts(p1.id)).containsExactlyElementsOf(expected1);
            assertThat(inbox.texts(p2.id)).containsExactlyElementsOf(expected2);
            assertThat(node.transport.stats().inlineHandlerFailures()).isEqualTo(3);
            // Nothing was closed: same connections, no disconnect, and they still carry messages.
            p1.send(node, "after");
            p2.send(node, "after");
            inbox.awaitSize(402);
            assertThat(inbox.texts(p1.id)).endsWith("after");
            assertThat(inbox.texts(p2.id)).endsWith("after");
            assertThat(node.transport.stats().connectionsEstablished()).isEqualTo(established);
            assertThat(node.events.count(Events.Kind.DISCONNECTED, p1.id)).isZero();
            assertThat(node.events.count(Events.Kind.DISCONNECTED, p2.id)).isZero();
            assertThat(p1.events.count(Events.Kind.DISCONNECTED, node.id)).isZero();
            for (CloseReason r : CloseReason.values()) {
                assertThat(node.transport.stats().closes(r)).as("closes for %s", r).isZero();
            }
        }
    }

    @Test
    void shouldCloseOnlyThatConnectionWhenTheInlineHandlerThrowsAnError() throws Exception {
        Inbox inbox = new Inbox().then((t, sender, type, payload) -> {
            if (new String(payload, StandardCharsets.UTF_8).equals("fatal")) {
                throw new AssertionError("an Error, not an Exception");
            }
        });
        try (TestNode node = TestNode.start(TestNode.config(100).inlineHandler(inbox));
             TestNode p1 = TestNode.start(1);
             TestNode p2 = TestNode.start(2)) {
            p1.connect(node);
            p2.connect(node);
            p1.awaitConnected(node);
            p2.awaitConnected(node);
            p1.send(node, "fatal");
            // The node closes p1's connection as it does on any unexpected error; p1 reconnects.
            Await.until(() -> node.events.count(Events.Kind.DISCONNECTED, p1.id) == 1, TestNode.TIMEOUT);
            assertThat(node.transport.stats().closes(CloseReason.PROTOCOL_VIOLATION)).isEqualTo(1);
            assertThat(node.transport.stats().inlineHandlerFailures()).isZero();
            Await.until(() -> node.events.count(Events.Kind.CONNECTED, p1.id) == 2, TestNode.TIMEOUT);
            p1.send(node, "p1 back");
            // p2 never noticed.
            for (int i = 0; i < 100; i++) {
                p2.send(node, "p2-" + i);
            }
            Await.until(() -> inbox.texts(p1.id).contains("p1 back") && inbox.texts(p2.id).size() == 100,
                TestNode.TIMEOUT);
            assertThat(node.events.count(Events.Kind.DISCONNECTED, p2.id)).isZero();
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
