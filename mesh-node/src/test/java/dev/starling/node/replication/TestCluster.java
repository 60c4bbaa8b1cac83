package dev.starling.node.replication;

import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.replication.sim.MemoryStore;
import dev.starling.node.replication.sim.StepEffects;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A few replicas on in-memory stores with a hand-driven FIFO network and virtual time, for unit tests. */
final class TestCluster {

    record Message(ReplicaId from, ReplicaId to, int type, byte[] payload) {
    }

    final class Node {
        final ReplicaId id;
        MemoryStore store;
        HybridLogicalClock clock;
        Replicator replicator;
        final List<StepEffects.Completion> completions = new ArrayList<>();
        final List<Change> changes = new ArrayList<>();

        Node(ReplicaId id) {
            this.id = id;
            this.store = new MemoryStore(id, maxLog);
            restart();
        }

        void restart() {
            clock = new HybridLogicalClock(id, () -> nowMs, 60_000);
            replicator = new Replicator(config, clock, store, new Random(id.value()));
        }

        StepEffects step(Consumer<StepEffects> action) {
            MemoryStore.Step s = store.begin();
            StepEffects fx = new StepEffects(s);
            action.accept(fx);
            s.commit();
            for (StepEffects.Sent m : fx.sent) {
                queue.add(new Message(id, m.to(), m.type(), m.payload()));
                bytes += m.payload().length;
                bytesByType.merge(m.type(), (long) m.payload().length, Long::sum);
                messagesByType.merge(m.type(), 1L, Long::sum);
            }
            completions.addAll(fx.completions);
            changes.addAll(fx.changes);
            return fx;
        }

        WriteReceipt submit(Op op, AckLevel level) {
            WriteReceipt[] r = new WriteReceipt[1];
            step(fx -> {
                try {
                    r[0] = replicator.submit(op, level, 1000, nowMs, fx);
                } catch (TypeConflictException e) {
                    throw new IllegalStateException(e);
                }
            });
            return r[0];
        }

        void tick() {
            step(fx -> replicator.tick(nowMs, fx));
        }
    }

    final ReplicatorConfig config;
    final long maxLog;
    final List<Node> nodes = new ArrayList<>();
    final Deque<Message> queue = new ArrayDeque<>();
    long nowMs = 1_000_000;
    long bytes;
    final java.util.TreeMap<Integer, Long> bytesByType = new java.util.TreeMap<>();
    final java.util.TreeMap<Integer, Long> messagesByType = new java.util.TreeMap<>();

    TestCluster(int n) {
        this(n, ReplicatorConfig.local(), 1_000_000);
    }

    TestCluster(int n, ReplicatorConfig config, long maxLog) {
        this.config = config;
        this.maxLog = maxLog;
        for (int i = 0; i < n; i++) {
            nodes.add(new Node(new ReplicaId(0x1000L * (i + 1))));
        }
    }

    Node node(int i) {
        return nodes.get(i);
    }

    Node byId(ReplicaId id) {
        for (Node n : nodes) {
            if (n.id.equals(id)) {
                return n;
            }
        }
        throw new IllegalArgumentException(id.toString());
    }

    /** Every node sees every other up. */
    void connectAll() {
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    a.step(fx -> a.replicator.onPeerUp(b.id, nowMs, fx));
                }
            }
        }
    }

    void up(Node a, Node b) {
        a.step(fx -> a.replicator.onPeerUp(b.id, nowMs, fx));
    }

    /** Delivers queued messages (and those they cause) in order until none is left; drop decides losses. */
    int deliverAll(Predicate<Message> drop) {
        int n = 0;
        while (!queue.isEmpty()) {
            Message m = queue.poll();
            if (drop.test(m)) {
                continue;
            }
            Node to = byId(m.to());
            to.step(fx -> to.replicator.onMessage(m.from(), m.type(), m.payload(), nowMs, fx));
            n++;
            if (n > 1_000_000) {
                throw new IllegalStateException("no quiescence");
            }
        }
        return n;
    }

    int deliverAll() {
        return deliverAll(m -> false);
    }

    void advance(long ms) {
        nowMs += ms;
    }

    /** Anti-entropy only: {@code a} starts a round with {@code b} (no resends), delivered to the end. */
    void step(Node a, Node b) {
        a.step(fx -> a.replicator.onPeerUp(b.id, nowMs, fx));
        b.step(fx -> b.replicator.onPeerUp(a.id, nowMs, fx));
        queue.removeIf(m -> m.type() == MessageTypes.DELTAS);
        deliverAll();
    }

    void tickAll() {
        for (Node n : nodes) {
            n.tick();
        }
    }
}
