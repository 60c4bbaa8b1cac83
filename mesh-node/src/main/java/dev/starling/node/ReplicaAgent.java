package dev.starling.node;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.plane.DataPlane;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.Change;
import dev.starling.node.replication.Effects;
import dev.starling.node.replication.Op;
import dev.starling.node.replication.Replicator;
import dev.starling.node.replication.StateWriter;
import dev.starling.node.replication.TypeConflictException;
import dev.starling.node.replication.WriteReceipt;
import dev.starling.node.store.Batch;
import dev.starling.node.store.Store;
import dev.starling.transport.MessageHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a node. It owns the {@link Replicator} and the {@link Store}; everything else
 * reaches them through its queues. One duty cycle:
 *
 * <ol>
 *   <li>take up to {@link #COMMANDS_PER_CYCLE} commands (API writes, membership and transport
 *       events) and up to {@link #MESSAGES_PER_CYCLE} received messages, and feed them to the
 *       replicator, with the timers' tick when one is due;</li>
 *   <li>commit everything the replicator asked to store in <em>one</em> LMDB transaction (the group
 *       commit), fsynced in the commit under {@code always};</li>
 *   <li>only then send the messages of the cycle (so a peer is never acknowledged anything this node
 *       could lose), publish the new states to readers, notify listeners, and complete the writes
 *       whose ack level is settled;</li>
 * </ol>
 * Under {@code interval} the fsyncs run on a thread of their own ({@link Syncer}).
 */
final class ReplicaAgent implements Agent {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaAgent.class);

    static final int COMMANDS_PER_CYCLE = 1024;
    static final int MESSAGES_PER_CYCLE = 4096;
    /** Messages taken from the data plane at a time, between checks of {@link #CHANGES_PER_CYCLE}. */
    static final int MESSAGES_PER_POLL = 8;
    /** A cycle takes no more messages once it holds this many changes (see {@link #pollMessages}). */
    static final int CHANGES_PER_CYCLE = 4096;
    /** Local writes a cycle takes while messages wait that the last cycle had no budget left for. */
    static final int WRITES_PER_CYCLE_WHILE_BEHIND = 64;

    /** A command for the agent; {@code run} executes on the agent thread. */
    interface Command {
        void run(ReplicaAgent agent, long nowMs);

        /** Called instead of {@link #run} when the node closes before the command ran. */
        default void abandon() {
        }
    }

    private final String roleName;
    private final ReplicaId self;
    private final Replicator replicator;
    private final Store store;
    private final DataPlane plane;
    private final MpscArrayQueue<Command> writes;
    private final MpscArrayQueue<Command> control;
    private final ConcurrentHashMap<dev.starling.node.replication.ObjectKey, ObjectCell> cells;
    private final LongSupplier monotonicMs;
    private final long tickIntervalMs;
    private final ChangeFeed feed;
    /** Cursor of the cycle's first change-feed entry, 0 while the cycle has none. */
    private long cycleFeedCursor;
    /** The cells of the cycle's changes, in change order (reused). */
    private final List<ObjectCell> changedCells = new ArrayList<>();

    private final StepEffects fx = new StepEffects();
    private final Long2ObjectHashMap<PendingWrite> pending = new Long2ObjectHashMap<>();
    private final MessageHandler onMessage = this::onMessage;
    private long nextTickMs;
    private long nowMs;
    /** Whether the last cycle left received messages waiting (see {@link #pollMessages}). */
    private boolean messagesWaiting;

    final AtomicLong listenerFailures = new AtomicLong();
    final AtomicLong commits = new AtomicLong();
    private volatile String digestRoot;
    private volatile long objectCount;
    /** The replicator's counters, published at most every {@link #STATS_INTERVAL_MS} for metrics. */
    private volatile dev.starling.node.replication.ReplicatorStats stats;
    private long nextStatsMs;
    private final LagTracker lag = new LagTracker();
    /** Per peer: ms since the oldest delta it has not acknowledged was written (0 = up to date). */
    private volatile java.util.Map<ReplicaId, Long> lagMs = java.util.Map.of();
    static final long STATS_INTERVAL_MS = 1000;

    ReplicaAgent(String roleName, Replicator replicator, Store store, DataPlane plane,
                 int writeQueueCapacity, ConcurrentHashMap<dev.starling.node.replication.ObjectKey, ObjectCell> cells,
                 LongSupplier monotonicMs, long tickIntervalMs, ChangeFeed feed) {
        this.roleName = roleName;
        this.self = store.replicaId();
        this.replicator = replicator;
        this.store = store;
        this.plane = plane;
        this.writes = new MpscArrayQueue<>(writeQueueCapacity);
        this.control = new MpscArrayQueue<>(4096);
        this.cells = cells;
        this.monotonicMs = monotonicMs;
        this.tickIntervalMs = tickIntervalMs;
        this.feed = feed;
    }

    @Override
    public String roleName() {
        return roleName;
    }

    /** From any thread: queues an API write; false if the write queue is full. */
    boolean offerWrite(Command command) {
        return writes.offer(command);
    }

    /** From any thread: queues a membership or transport event; false if that queue is full. */
    boolean offerControl(Command command) {
        return control.offer(command);
    }

    Replicator replicator() {
        return replicator;
    }

    ReplicaId self() {
        return self;
    }

    /** Agent thread: membership shows {@code peer} alive at {@code dataAddress}. */
    void peerUp(ReplicaId peer, java.net.InetSocketAddress dataAddress, long nowMs) {
        plane.connect(peer, dataAddress);
        replicator.onPeerUp(peer, nowMs, fx);
    }

    /** Agent thread: membership declared {@code peer} dead or gone. */
    void peerDown(ReplicaId peer, long nowMs) {
        replicator.onPeerDown(peer, nowMs, fx);
    }

    /** Agent thread: membership removed {@code peer}. */
    void peerRemoved(ReplicaId peer, long nowMs) {
        plane.forget(peer);
        replicator.onPeerRemoved(peer, nowMs, fx);
    }

    /** Agent thread: the data plane lost messages to {@code peer}. */
    void peerBehind(ReplicaId peer, long nowMs) {
        replicator.onPeerBehind(peer, nowMs, fx);
    }

    String digestRoot() {
        return digestRoot;
    }

    long objectCount() {
        return objectCount;
    }

    /** Any thread: the replicator's counters as of at most {@link #STATS_INTERVAL_MS} ago. */
    dev.starling.node.replication.ReplicatorStats stats() {
        return stats;
    }

    @Override
    public void onStart() {
        nowMs = monotonicMs.getAsLong();
        nextTickMs = nowMs;
        publishDigest();
        publishStats();
    }

    private void publishStats() {
        stats = replicator.stats();
        long lastSeq = replicator.lastSeq();
        lag.sample(lastSeq, nowMs);
        java.util.Map<ReplicaId, Long> m = new java.util.TreeMap<>();
        for (java.util.Map.Entry<ReplicaId, long[]> e : replicator.peerPositions().entrySet()) {
            m.put(e.getKey(), lag.lagMs(e.getValue()[0], lastSeq, nowMs));
        }
        lagMs = java.util.Collections.unmodifiableMap(m);
        nextStatsMs = nowMs + STATS_INTERVAL_MS;
    }

    /** Any thread: each peer's replication lag in ms, as of at most {@link #STATS_INTERVAL_MS} ago. */
    java.util.Map<ReplicaId, Long> lagMs() {
        return lagMs;
    }

    @Override
    public int doWork() {
        nowMs = monotonicMs.getAsLong();
        int work = 0;
        Command c;
        int n = 0;
        while (n < COMMANDS_PER_CYCLE && (c = control.poll()) != null) {
            c.run(this, nowMs);
            n++;
        }
        // while peers' messages wait (the last cycle stopped at its change budget), take few local
        // writes: replicated changes go first, as when a cycle drained every message waiting
        int maxWrites = n + (messagesWaiting ? WRITES_PER_CYCLE_WHILE_BEHIND : COMMANDS_PER_CYCLE);
        while (n < COMMANDS_PER_CYCLE && n < maxWrites && (c = writes.poll()) != null) {
            c.run(this, nowMs);
            n++;
        }
        work += n;
        work += pollMessages();
        if (nowMs >= nextTickMs) {
            replicator.tick(nowMs, fx);
            nextTickMs = nowMs + tickIntervalMs;
            if (nowMs >= nextStatsMs) {
                publishStats();
            }
        }
        replicator.flush(nowMs, fx);
        if (fx.dirty) {
            work += finishCycle();
        }
        return work;
    }

    /**
     * Takes received messages a few at a time until none is left, {@link #MESSAGES_PER_CYCLE} were
     * taken, or the cycle holds {@link #CHANGES_PER_CYCLE} changes. The last bound keeps a cycle
     * short when a backlog of large messages (a peer's cycle of writes, a resend) is waiting: acks
     * go out only at the end of a cycle, and a cycle that applied everything waiting (seen: hundreds
     * of ms under load) held them back long enough for peers to resend what was on its way.
     */
    private int pollMessages() {
        int polled = 0;
        int n;
        do {
            n = plane.poll(onMessage, MESSAGES_PER_POLL);
            polled += n;
        } while (n == MESSAGES_PER_POLL && polled < MESSAGES_PER_CYCLE && fx.changes.size() < CHANGES_PER_CYCLE);
        messagesWaiting = n == MESSAGES_PER_POLL;
        return polled;
    }

    private void onMessage(ReplicaId sender, int type, byte[] payload) {
        replicator.onMessage(sender, type, payload, nowMs, fx);
    }

    /** Agent thread: submits a local write whose future completes after commit and ack. */
    void submit(Op op, AckLevel level, long timeoutMs, CompletableFuture<WriteResult> result) {
        WriteReceipt receipt;
        try {
            receipt = replicator.submit(op, level, timeoutMs, nowMs, fx);
        } catch (TypeConflictException | IllegalArgumentException e) {
            result.completeExceptionally(e);
            return;
        }
        pending.put(receipt.writeId(), new PendingWrite(receipt, result));
    }

    private int finishCycle() {
        int work = 1;
        List<Change> changes = fx.changes;
        if (!changes.isEmpty()) {
            // one feed record for the whole cycle
            cycleFeedCursor = feed.append(fx.store(), changes);
        }
        if (fx.batch != null) {
            Batch batch = fx.batch;
            fx.batch = null;
            try {
                batch.commit();
            } catch (RuntimeException e) {
                failCycle(e);
                return work;
            }
            commits.incrementAndGet();
        }
        List<ReplicaId> peers = fx.sendPeers;
        int[] types = fx.sendTypes;
        for (int i = 0; i < peers.size(); i++) {
            plane.send(peers.get(i), types[i], fx.sendPayloads.get(i));
        }
        for (int i = 0; i < changes.size(); i++) {
            Change ch = changes.get(i);
            ObjectCell cell = cells.get(ch.object());
            if (cell == null) {
                cell = cells.computeIfAbsent(ch.object(), ObjectCell::new);
            }
            cell.publish(ch.state());
            changedCells.add(cell);
        }
        // listeners run after every new state of the cycle is visible
        for (int i = 0; i < changes.size(); i++) {
            listenerFailures.addAndGet(changedCells.get(i).notify(changes.get(i)));
        }
        changedCells.clear();
        // the digest and the feed before the writers hear back: a caller whose write completed
        // finds it in digest() and in the change feed
        if (!changes.isEmpty()) {
            publishDigest();
            feed.publish(cycleFeedCursor, changes);
        }
        long[] done = fx.completions;
        for (int i = 0; i < fx.completionCount; i++) {
            long writeId = done[3 * i];
            PendingWrite w = pending.remove(writeId);
            if (w != null) {
                w.result.complete(new WriteResult(w.receipt.hlc(), (int) done[3 * i + 1], done[3 * i + 2] != 0));
            }
        }
        cycleFeedCursor = 0;
        fx.reset();
        return work;
    }

    /**
     * The cycle's commit failed (the store is full or the disk failed): nothing of the cycle is
     * stored, so nothing of it is sent or published, and the writes submitted in it fail. The
     * replicator's memory already holds them; they stay readable here and replicate with the next
     * anti-entropy round, but they were never durable, which is what the callers are told.
     */
    private void failCycle(RuntimeException e) {
        LOG.error("commit of a cycle failed: {} writes fail, nothing of the cycle is sent", fx.completionCount, e);
        long[] done = fx.completions;
        for (int i = 0; i < fx.completionCount; i++) {
            PendingWrite w = pending.remove(done[3 * i]);
            if (w != null) {
                w.result.completeExceptionally(new IllegalStateException("the write could not be stored: " + e.getMessage(), e));
            }
        }
        if (cycleFeedCursor != 0) {
            feed.rollback(cycleFeedCursor);
        }
        cycleFeedCursor = 0;
        fx.reset();
    }

    private void publishDigest() {
        var d = replicator.digest();
        digestRoot = d.root();
        objectCount = d.entries();
    }

    @Override
    public void onClose() {
        if (fx.dirty) {
            try {
                finishCycle();
            } catch (RuntimeException e) {
                LOG.warn("last cycle of {} failed while closing", roleName, e);
            }
        }
        Command c;
        while ((c = control.poll()) != null) {
            c.abandon();
        }
        while ((c = writes.poll()) != null) {
            c.abandon();
        }
        for (PendingWrite w : pending.values()) {
            // Stored (committed above or earlier), not confirmed by the peers asked for.
            w.result.complete(new WriteResult(w.receipt.hlc(), 0, w.receipt.requiredPeers() == 0));
        }
        pending.clear();
    }

    private record PendingWrite(WriteReceipt receipt, CompletableFuture<WriteResult> result) {
    }

    /** The effects of one cycle, reused from cycle to cycle. */
    private final class StepEffects implements Effects {
        boolean dirty;
        Batch batch;
        final List<ReplicaId> sendPeers = new ArrayList<>();
        int[] sendTypes = new int[256];
        final List<byte[]> sendPayloads = new ArrayList<>();
        final List<Change> changes = new ArrayList<>();
        long[] completions = new long[3 * 64];
        int completionCount;

        @Override
        public void send(ReplicaId peer, int type, byte[] payload) {
            dirty = true;
            int i = sendPeers.size();
            if (i == sendTypes.length) {
                sendTypes = java.util.Arrays.copyOf(sendTypes, 2 * i);
            }
            sendTypes[i] = type;
            sendPeers.add(peer);
            sendPayloads.add(payload);
        }

        @Override
        public StateWriter store() {
            dirty = true;
            if (batch == null) {
                batch = store.batch();
            }
            return batch;
        }

        @Override
        public void changed(Change change) {
            dirty = true;
            changes.add(change);
            feed.stage(change);
        }

        @Override
        public void writeCompleted(long writeId, int ackedPeers, boolean levelMet) {
            dirty = true;
            if (3 * (completionCount + 1) > completions.length) {
                completions = java.util.Arrays.copyOf(completions, completions.length * 2);
            }
            completions[3 * completionCount] = writeId;
            completions[3 * completionCount + 1] = ackedPeers;
            completions[3 * completionCount + 2] = levelMet ? 1 : 0;
            completionCount++;
        }

        void reset() {
            dirty = false;
            sendPeers.clear();
            sendPayloads.clear();
            changes.clear();
            completionCount = 0;
        }
    }
}
