package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A started {@link Transport} on 127.0.0.1 with a recording listener and a list of the messages
 * its consumer received. Only the test thread polls (the transport has a single consumer).
 */
final class TestNode implements AutoCloseable {

    static final String CLUSTER = "test-cluster";
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OTHER_SECRET = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    record Received(ReplicaId sender, int type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    final ReplicaId id;
    final Transport transport;
    final Events events = new Events();
    final List<Received> received = new ArrayList<>();

    private TestNode(TransportConfig config) throws InterruptedException {
        this.id = config.replica();
        this.transport = new Transport(config, events);
        try {
            transport.start();
        } catch (RuntimeException | InterruptedException e) {
            transport.close();
            throw e;
        }
    }

    /** The local profile for replica {@code id} in the test cluster. */
    static TransportConfig.Builder config(long id) {
        return TransportConfig.local(new ReplicaId(id), CLUSTER, SECRET);
    }

    static TestNode start(TransportConfig.Builder config) throws InterruptedException {
        return new TestNode(config.build());
    }

    static TestNode start(long id) throws InterruptedException {
        return start(config(id));
    }

    static TestNode start(ReplicaId id) throws InterruptedException {
        return start(id.value());
    }

    void connect(TestNode other) {
        transport.connect(other.id, other.transport.localAddress());
    }

    /** Waits until both ends see an authenticated connection. */
    void awaitConnected(TestNode other) {
        Await.until(() -> transport.isConnected(other.id) && other.transport.isConnected(id), TIMEOUT,
            () -> id + " <-> " + other.id + " connected");
    }

    SendResult send(TestNode to, String text) {
        return transport.send(to.id, 1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Moves whatever the consumer queue holds into {@link #received}. */
    int poll() {
        return transport.poll((s, t, p) -> received.add(new Received(s, t, p)), Integer.MAX_VALUE);
    }

    /** Polls until at least {@code n} messages were received in total. */
    List<Received> awaitReceived(int n) {
        Await.until(() -> {
            poll();
            return received.size() >= n;
        }, TIMEOUT, () -> id + " to receive " + n + " messages (has " + received.size() + ")");
        return received;
    }

    List<String> texts(ReplicaId from) {
        List<String> out = new ArrayList<>();
        for (Received r : received) {
            if (r.sender().equals(from)) {
                out.add(r.text());
            }
        }
        return out;
    }

    /**
     * Sends {@code n} messages tagged {@code tag} to {@code to} and waits for them there: all of
     * them, in order, none twice (other messages from this node are ignored).
     */
    void roundTrip(TestNode to, String tag, int n) {
        String prefix = tag + "-";
        int before = to.tagged(id, prefix).size();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String text = prefix + i;
            expected.add(text);
            if (send(to, text) != SendResult.QUEUED) {
                throw new AssertionError("could not queue " + text + " to " + to.id);
            }
        }
        Await.until(() -> {
            to.poll();
            return to.tagged(id, prefix).size() >= before + n;
        }, TIMEOUT, () -> to.id + " to receive " + n + " messages '" + tag + "' from " + id);
        List<String> got = to.tagged(id, prefix);
        List<String> tail = got.subList(before, got.size());
        if (!tail.equals(expected)) {
            throw new AssertionError("messages '" + tag + "' from " + id + " to " + to.id + " arrived as " + tail);
        }
    }

    private List<String> tagged(ReplicaId from, String prefix) {
        List<String> out = new ArrayList<>();
        for (String t : texts(from)) {
            if (t.startsWith(prefix)) {
                out.add(t);
            }
        }
        return out;
    }

    int port() {
        return transport.localAddress().getPort();
    }

    @Override
    public void close() {
        transport.close();
    }
}
