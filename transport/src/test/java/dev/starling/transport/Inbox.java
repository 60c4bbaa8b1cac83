package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link InlineHandler} that records what it is given, from whichever event loop thread calls it,
 * for assertions from the test thread; {@link #then} adds behaviour (replying, throwing) after the
 * message is recorded.
 */
final class Inbox implements InlineHandler {

    record Delivered(ReplicaId sender, int type, byte[] payload, String thread) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final ConcurrentLinkedQueue<Delivered> delivered = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final Set<String> threads = ConcurrentHashMap.newKeySet();
    private volatile InlineHandler then;

    Inbox then(InlineHandler behaviour) {
        this.then = behaviour;
        return this;
    }

    @Override
    public void onMessage(Transport transport, ReplicaId sender, int type, byte[] payload) {
        String thread = Thread.currentThread().getName();
        threads.add(thread);
        delivered.add(new Delivered(sender, type, payload, thread));
        count.incrementAndGet();
        InlineHandler h = then;
        if (h != null) {
            h.onMessage(transport, sender, type, payload);
        }
    }

    int size() {
        return count.get();
    }

    List<Delivered> all() {
        return List.copyOf(delivered);
    }

    /** The texts received from {@code sender}, in the order the handler was called. */
    List<String> texts(ReplicaId sender) {
        List<String> out = new ArrayList<>();
        for (Delivered d : delivered) {
            if (d.sender().equals(sender)) {
                out.add(d.text());
            }
        }
        return out;
    }

    /** Names of the threads that called the handler. */
    Set<String> threads() {
        return Set.copyOf(threads);
    }

    /** Waits until {@code n} messages were handled in total. */
    void awaitSize(int n) {
        Await.until(() -> count.get() >= n, TestNode.TIMEOUT, () -> n + " inline deliveries (has " + count.get() + ")");
    }
}
