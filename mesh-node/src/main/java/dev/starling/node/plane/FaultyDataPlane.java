package dev.starling.node.plane;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.fault.Faults;
import dev.starling.transport.MessageHandler;
import dev.starling.transport.SendResult;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A data plane with faults injected from a shared {@link Faults}: partitions (also one-way), random
 * loss and delay. The same {@code Faults} drives the SWIM decorator, so a partition cuts both
 * membership and replication. For tests and chaos runs; a node built without faults never has one.
 *
 * <p>Blocked directions are checked on both ends (the sender drops what it may not send, the
 * receiver what it may not receive), so a partition holds even against a peer without the
 * decorator. Random loss is drawn on sending. Delay holds received messages back, in arrival order,
 * until their release time; at most {@link #MAX_HELD} are held (more are dropped and counted).
 */
public final class FaultyDataPlane implements DataPlane {

    public static final int MAX_HELD = 100_000;

    private final DataPlane inner;
    private final Faults faults;
    private final LongSupplier nanoClock;
    private final ReplicaId self;
    private final PriorityQueue<Held> held = new PriorityQueue<>();
    private final ArrayDeque<Held> due = new ArrayDeque<>();
    private long arrivals;
    private final AtomicLong dropped = new AtomicLong();

    public FaultyDataPlane(DataPlane inner, Faults faults, LongSupplier nanoClock) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.self = inner.self();
    }

    /** Messages dropped by the faults (partition, loss, or the delay buffer full). */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public ReplicaId self() {
        return self;
    }

    @Override
    public InetSocketAddress localAddress() {
        return inner.localAddress();
    }

    @Override
    public void connect(ReplicaId peer, InetSocketAddress address) {
        inner.connect(peer, address);
    }

    @Override
    public void forget(ReplicaId peer) {
        inner.forget(peer);
    }

    @Override
    public SendResult send(ReplicaId peer, int type, byte[] payload) {
        if (faults.blocked(self, peer) || faults.dropRandom()) {
            dropped.incrementAndGet();
            return SendResult.QUEUED; // lost on the way, as the network would lose it
        }
        return inner.send(peer, type, payload);
    }

    @Override
    public int poll(MessageHandler handler, int limit) {
        int n = releaseDue(handler, limit);
        if (n >= limit) {
            return n;
        }
        long delayNs = faults.delayMs() * 1_000_000L;
        long now = nanoClock.getAsLong();
        int[] count = {n};
        inner.poll((sender, type, payload) -> {
            if (faults.blocked(sender, self)) {
                dropped.incrementAndGet();
            } else if (delayNs <= 0 && held.isEmpty()) {
                handler.onMessage(sender, type, payload);
                count[0]++;
            } else if (held.size() >= MAX_HELD) {
                dropped.incrementAndGet();
            } else {
                held.add(new Held(now + delayNs, arrivals++, sender, type, payload));
            }
        }, limit - n);
        return count[0] + releaseDue(handler, limit - count[0]);
    }

    private int releaseDue(MessageHandler handler, int limit) {
        long now = nanoClock.getAsLong();
        while (!held.isEmpty() && held.peek().releaseNs <= now) {
            due.add(held.poll());
        }
        int n = 0;
        while (n < limit && !due.isEmpty()) {
            Held h = due.poll();
            if (faults.blocked(h.sender, self)) {
                dropped.incrementAndGet();
                continue;
            }
            handler.onMessage(h.sender, h.type, h.payload);
            n++;
        }
        return n;
    }

    @Override
    public long nextReleaseNs() {
        Held h = held.peek();
        return h == null ? Long.MAX_VALUE : h.releaseNs;
    }

    @Override
    public void close() {
        inner.close();
    }

    private record Held(long releaseNs, long order, ReplicaId sender, int type, byte[] payload)
        implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(releaseNs, o.releaseNs);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }
}
