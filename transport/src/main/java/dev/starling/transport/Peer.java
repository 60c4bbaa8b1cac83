package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MpscArrayQueue;

/**
 * One remote replica: its bounded outbound queue, its current authenticated channel (at most one),
 * and its reconnect state. Any thread may {@link #offer}; draining runs on the channel's event loop,
 * one drain at a time (see {@link #scheduleDrain}).
 *
 * <p>Memory is bounded by the queue's message count and a byte budget: when either is exhausted
 * the message is dropped, counted, and the peer marked behind (reported once), never blocking the
 * sender. The peer stops being behind when its queue has drained completely.
 */
final class Peer {

    final ReplicaId id;
    final PeerStats stats = new PeerStats(this);
    private final Transport transport;
    private final MpscArrayQueue<Outgoing> queue;
    /** Messages taken or reserved in the queue (its capacity is rounded up to a power of two). */
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final int maxQueuedMessages;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean behind = new AtomicBoolean();
    private final List<Outgoing> batch = new ArrayList<>();
    private final Runnable drainTask = this::runDrain;

    /** Written under {@code this}; volatile so that {@link #currentChannel} (on every send) needs no lock. */
    private volatile Channel channel;
    /** Guarded by {@code this}. */
    private PeerConnection connection;
    private InetSocketAddress address;
    private boolean connecting;
    /** The listener was told this peer is connected, and not yet that it disconnected. */
    private boolean announced;
    private boolean forgotten;
    private int reconnectAttempt;
    private ScheduledFuture<?> reconnectTask;

    Peer(ReplicaId id, Transport transport, TransportConfig config) {
        this.id = id;
        this.transport = transport;
        this.queue = new MpscArrayQueue<>(config.outboundQueueMessages());
        this.maxQueuedMessages = config.outboundQueueMessages();
        this.maxQueuedBytes = config.outboundQueueBytes();
    }

    SendResult offer(Outgoing message) {
        long size = message.payload().length;
        int count = queuedMessages.incrementAndGet();
        long after = queuedBytes.addAndGet(size);
        if (count > maxQueuedMessages || after > maxQueuedBytes || !queue.offer(message)) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-size);
            stats.drops.increment();
            if (behind.compareAndSet(false, true)) {
                transport.listener().onBehind(id);
            }
            return SendResult.DROPPED_BEHIND;
        }
        scheduleDrain();
        return SendResult.QUEUED;
    }

    /**
     * Asks the channel's event loop to drain the queue (once, however many callers ask): from
     * another thread with a task (which wakes the event loop up); from that event loop while it
     * runs an {@link InlineHandler}, in place once the handler has handled the whole frame (see
     * {@link DeferredDrains}); from that event loop otherwise, with a task (no wake-up needed).
     *
     * <p>{@code drainScheduled} is the queue's consumer token: the queue has a single consumer, and
     * only its holder polls it. It is taken here and released at the end of {@link #runDrain}, so
     * two drains never run at once even when the connection moves to another event loop. While it
     * is held, further offers schedule nothing: one wake-up per drain, however many senders.
     */
    void scheduleDrain() {
        Channel ch = currentChannel();
        if (ch != null && drainScheduled.compareAndSet(false, true)) {
            if (!ch.eventLoop().inEventLoop() || !DeferredDrains.defer(this)) {
                execute(ch, drainTask);
            }
        }
    }

    /** Runs a drain that {@link DeferredDrains} noted (the caller holds the token). */
    void drainDeferred() {
        runDrain();
    }

    private void execute(Channel ch, Runnable task) {
        try {
            ch.eventLoop().execute(task);
        } catch (RejectedExecutionException e) {
            drainScheduled.set(false); // the transport is shutting down
        }
    }

    private void runDrain() {
        Channel ch = currentChannel();
        if (ch != null && !ch.eventLoop().inEventLoop()) {
            // The connection changed to one on another event loop: drain there, still holding the token.
            execute(ch, drainTask);
            return;
        }
        try {
            if (isForgotten()) {
                clearQueue();
            } else if (ch != null && ch.isActive()) {
                drainTo(ch);
            }
        } finally {
            batch.clear(); // empty unless encoding failed: never resend a stale batch
            drainScheduled.set(false);
        }
        // Offers made while the token was held did not schedule a drain: look again.
        Channel now = currentChannel();
        if (now != null && now.isActive() && now.isWritable() && !queue.isEmpty()) {
            scheduleDrain();
        }
    }

    private void drainTo(Channel ch) {
        TransportConfig config = transport.config();
        int maxBytes = config.maxBatchBytes();
        int maxMessages = config.maxBatchMessages();
        long sender = transport.config().replica().value();
        int version = connectionVersion();
        boolean wrote = false;
        while (ch.isWritable()) {
            int bytes = 0;
            long payloadBytes = 0;
            Outgoing m;
            while (batch.size() < maxMessages && (m = queue.peek()) != null) {
                int size = m.encodedSize();
                if (!batch.isEmpty() && bytes + size > maxBytes) {
                    break;
                }
                queue.poll();
                batch.add(m);
                bytes += size;
                payloadBytes += m.payload().length;
            }
            if (batch.isEmpty()) {
                break;
            }
            // Once per frame rather than once per message: the counter is shared with every sender.
            // Releasing a frame's bytes a little later only makes the bound stricter meanwhile.
            queuedBytes.addAndGet(-payloadBytes);
            queuedMessages.addAndGet(-batch.size());
            ByteBuf frame = FrameEncoder.encodeBatch(ch.alloc(), version, sender, batch);
            stats.bytesOut.add(frame.readableBytes());
            stats.messagesOut.add(batch.size());
            stats.framesOut.increment();
            batch.clear();
            ch.write(frame, ch.voidPromise());
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
        if (queue.isEmpty() && behind.compareAndSet(true, false)) {
            transport.listener().onDrained(id);
        }
    }

    private synchronized int connectionVersion() {
        return connection == null ? TransportConfig.MAX_PROTOCOL_VERSION : connection.version();
    }

    /** Reports the peer behind (once until it drains): messages to it may have been lost. */
    void markBehind() {
        if (behind.compareAndSet(false, true)) {
            transport.listener().onBehind(id);
        }
    }

    /** Messages counted against the queue bound: queued, or taken for the frame being built. */
    int queueDepth() {
        return queuedMessages.get();
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    boolean isBehind() {
        return behind.get();
    }

    synchronized boolean isConnected() {
        return channel != null && channel.isActive();
    }

    Channel currentChannel() {
        return channel;
    }

    synchronized InetSocketAddress address() {
        return address;
    }

    synchronized void address(InetSocketAddress address) {
        this.address = address;
    }

    synchronized boolean isForgotten() {
        return forgotten;
    }

    /**
     * Offers an authenticated connection. At most one is kept per pair of peers: when two exist
     * (both sides connected at once), both sides keep the one opened by the smaller replica id,
     * and for two opened by the same side, the newer one.
     *
     * @return the connection to close, if any (the candidate itself when it loses), and whether
     *     the peer is newly connected for the listener (no connection was reported and still is)
     */
    synchronized Adoption adopt(PeerConnection candidate) {
        if (forgotten) {
            return new Adoption(candidate, false);
        }
        PeerConnection loser = null;
        if (connection != null && connection.channel().isActive()) {
            long current = connection.clientReplica().value();
            long offered = candidate.clientReplica().value();
            int cmp = Long.compareUnsigned(offered, current);
            if (cmp > 0) {
                return new Adoption(candidate, false);
            }
            loser = connection;
        }
        // A current connection that is closing but not yet released is replaced too: its release
        // will find it is not current and report nothing, so neither is anything reported here.
        boolean news = !announced;
        announced = true;
        connection = candidate;
        channel = candidate.channel();
        connecting = false;
        reconnectAttempt = 0;
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
        return new Adoption(loser, news);
    }

    /** What {@link #adopt} decided. */
    record Adoption(PeerConnection loser, boolean connected) {
    }

    /** Forgets the connection if it is the current one; returns whether it was (then report it closed). */
    synchronized boolean release(PeerConnection closed) {
        if (connection == closed) {
            connection = null;
            channel = null;
            announced = false;
            return true;
        }
        return false;
    }

    synchronized void forget() {
        forgotten = true;
        address = null;
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
        if (channel != null) {
            channel.close();
        }
        // Only the token holder may poll: clear now if no drain holds it, else that drain clears.
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                clearQueue();
            } finally {
                drainScheduled.set(false);
            }
        }
    }

    /** Drops everything queued; only by the holder of the consumer token. */
    private void clearQueue() {
        Outgoing m;
        while ((m = queue.poll()) != null) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-m.payload().length);
        }
    }

    /** Marks a connect attempt under way; false when one is already running or not needed. */
    synchronized boolean beginConnect() {
        if (forgotten || address == null || connecting || (channel != null && channel.isActive())) {
            return false;
        }
        connecting = true;
        return true;
    }

    synchronized void endConnect() {
        connecting = false;
    }

    /** The delay before the next reconnect attempt, doubling up to the maximum, with jitter. */
    synchronized long nextBackoffMs(long minMs, long maxMs, double random) {
        long exp = minMs << Math.min(reconnectAttempt, 20);
        long cap = Math.min(maxMs, exp < 0 ? maxMs : exp);
        reconnectAttempt++;
        return (long) (cap / 2.0 + random * (cap / 2.0));
    }

    synchronized void reconnectTask(ScheduledFuture<?> task) {
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
        }
        reconnectTask = task;
    }

    /** The scheduled reconnect has started: it is not pending any more. */
    synchronized void reconnectStarted() {
        reconnectTask = null;
    }

    synchronized boolean reconnectPending() {
        return reconnectTask != null && !reconnectTask.isDone();
    }
}
