package dev.starling.bench.transport;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.InlineHandler;
import dev.starling.transport.MessageHandler;
import dev.starling.transport.PeerStats;
import dev.starling.transport.SendResult;
import dev.starling.transport.Transport;
import dev.starling.transport.TransportConfig;
import dev.starling.transport.TransportListener;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Two Starling {@link Transport}s on 127.0.0.1 (LAN profile, the same event loop count and type as
 * the baseline), A connected to B with the HMAC handshake, no TLS.
 *
 * <p>Throughput: the calling thread is A's application thread: it allocates each 64-byte payload
 * (sequence number in the first 8 bytes) and calls {@code A.send(B, ...)} in a loop; when a send
 * returns {@link SendResult#DROPPED_BEHIND} (A's outbound queue to B is full) it yields or parks
 * briefly and retries the same message, so nothing is lost, and counts the retry. A dedicated
 * thread is B's consumer: it calls {@code B.poll} in a loop, checks the sequence and counts. Time
 * runs from just before the first send to the poll that returns the last message.
 *
 * <p>Round trip, polled (the default delivery): the calling thread is A's consumer: it sends a
 * request and polls A until the reply is there; a dedicated thread is B's consumer, and sends each
 * message it polls back to A.
 *
 * <p>Round trip, inline (a pair made with {@code inline}: both transports deliver the inline type,
 * {@link BenchOptions#inlineType}, to an {@link InlineHandler}; other types are still polled): B's
 * handler sends each request back from its event loop. {@link #roundTripsInline}: A's handler takes
 * the time of the reply and sends the next request from A's event loop, as the baseline's client
 * handler does; no application thread is involved. {@link #roundTripsInlineFromApp}: the calling
 * thread sends each request and waits (same idle strategy as the consumers) until A's handler
 * publishes the reply: the two hand-offs on A's side remain, those on B's side are gone.
 */
final class StarlingPair implements AutoCloseable {

    static final ReplicaId A = new ReplicaId(0x0A);
    static final ReplicaId B = new ReplicaId(0x0B);
    private static final byte[] SECRET = "starling-bench-secret-0123456789".getBytes(StandardCharsets.US_ASCII);

    private final BenchOptions o;
    private final Transport a;
    private final Transport b;
    /** What A's inline handler does with a reply (set per run; null between runs). */
    private volatile InlineHandler onInlineReply;

    StarlingPair(BenchOptions o, boolean inline) throws Exception {
        this.o = o;
        InlineHandler toA = (t, sender, type, payload) -> {
            InlineHandler h = onInlineReply;
            if (h != null) {
                h.onMessage(t, sender, type, payload);
            }
        };
        InlineHandler echo = (t, sender, type, payload) -> {
            SendResult r = t.send(sender, type, payload);
            if (r != SendResult.QUEUED) {
                throw new IllegalStateException("starling inline echo: send returned " + r);
            }
        };
        a = new Transport(config(A, inline ? toA : null), TransportListener.NONE);
        Transport tb = null;
        try {
            tb = new Transport(config(B, inline ? echo : null), TransportListener.NONE);
            a.start();
            tb.start();
            a.connect(B, tb.localAddress());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!(a.isConnected(B) && tb.isConnected(A))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("Starling transports did not connect within 10 s");
                }
                Thread.sleep(1);
            }
        } catch (Exception | Error e) {
            a.close();
            if (tb != null) {
                tb.close();
            }
            throw e;
        }
        b = tb;
    }

    private TransportConfig config(ReplicaId id, InlineHandler inline) {
        TransportConfig.Builder c = TransportConfig.lan(id, "bench", SECRET)
            .bindHost("127.0.0.1")
            .port(0)
            .ioThreads(o.ioThreads)
            .preferEpoll(o.epoll);
        if (inline != null) {
            c.inlineHandler(inline, o.inlineType);
        }
        return c.build();
    }

    /** Counters of the A->B direction (A's view of B). */
    PeerStats senderStats() {
        return a.stats(B);
    }

    TransportConfig senderConfig() {
        return a.config();
    }

    static void idle(BenchOptions.Idle idle, int attempt) {
        switch (idle) {
            case SPIN -> Thread.onSpinWait();
            case YIELD -> Thread.yield();
            case BACKOFF -> {
                if (attempt < 64) {
                    Thread.onSpinWait();
                } else if (attempt < 128) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
        }
    }

    /** Result of one throughput run. */
    record Throughput(long nanos, long retries, long consumerCpuNanos) {
    }

    Throughput throughput(long n) throws Exception {
        long timeoutNs = o.timeoutSeconds * 1_000_000_000L;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> error = new AtomicReference<>();
        long[] lastReceive = new long[1];
        long[] consumerCpu = new long[1];
        int payloadBytes = o.payloadBytes;
        Thread receiver = new Thread(() -> {
            long[] count = {0};
            MessageHandler h = (sender, type, payload) -> {
                long seq = payloadBytes >= 8 ? ByteBuffer.wrap(payload).getLong(0) : count[0];
                if (seq != count[0] || payload.length != payloadBytes) {
                    error.compareAndSet(null, "starling: got seq " + seq + " (" + payload.length + " B), expected "
                        + count[0]);
                }
                count[0]++;
            };
            int idleRounds = 0;
            while (count[0] < n && !stop.get()) {
                if (b.poll(h, o.pollLimit) == 0) {
                    idle(o.idle, idleRounds++);
                } else {
                    idleRounds = 0;
                }
            }
            lastReceive[0] = System.nanoTime();
            consumerCpu[0] = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        }, "bench-consumer-B");
        receiver.setDaemon(true);
        receiver.start();
        long retries = 0;
        int type = o.messageType;
        long start = System.nanoTime();
        try {
            for (long i = 0; i < n; i++) {
                byte[] payload = new byte[payloadBytes];
                ByteBuffer.wrap(payload).putLong(0, i);
                int attempt = 0;
                SendResult r;
                while ((r = a.send(B, type, payload)) == SendResult.DROPPED_BEHIND) {
                    retries++;
                    backoff(attempt++);
                    if ((attempt & 0xFFF) == 0 && System.nanoTime() - start > timeoutNs) {
                        throw new TimeoutException("starling throughput: sender stuck at " + i);
                    }
                }
                if (r != SendResult.QUEUED) {
                    throw new IllegalStateException("send returned " + r);
                }
            }
            receiver.join(Math.max(1, (timeoutNs - (System.nanoTime() - start)) / 1_000_000));
            if (receiver.isAlive()) {
                throw new TimeoutException("starling throughput run did not finish in " + o.timeoutSeconds + " s");
            }
        } finally {
            stop.set(true);
            receiver.join(5_000);
        }
        if (error.get() != null) {
            throw new IllegalStateException(error.get());
        }
        return new Throughput(lastReceive[0] - start, retries, consumerCpu[0]);
    }

    /** The sender's back-off when A's queue to B is full: yield first, then park briefly. */
    private static void backoff(int attempt) {
        if (attempt < 16) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(20_000);
        }
    }

    void roundTrips(long[] samples) throws Exception {
        long timeoutNs = o.timeoutSeconds * 1_000_000_000L;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> error = new AtomicReference<>();
        Thread echo = new Thread(() -> {
            MessageHandler h = (sender, type, payload) -> {
                SendResult r = b.send(sender, type, payload);
                if (r != SendResult.QUEUED) {
                    error.compareAndSet(null, "starling echo: send returned " + r);
                }
            };
            int idleRounds = 0;
            while (!stop.get()) {
                if (b.poll(h, o.pollLimit) == 0) {
                    idle(o.idle, idleRounds++);
                } else {
                    idleRounds = 0;
                }
            }
        }, "bench-consumer-B");
        echo.setDaemon(true);
        echo.start();
        long[] reply = {-1};
        MessageHandler onReply = (sender, type, payload) -> reply[0] = ByteBuffer.wrap(payload).getLong(0);
        long start = System.nanoTime();
        try {
            for (int i = 0; i < samples.length; i++) {
                byte[] payload = new byte[o.payloadBytes];
                ByteBuffer.wrap(payload).putLong(0, i);
                reply[0] = -1;
                long t0 = System.nanoTime();
                SendResult r = a.send(B, o.messageType, payload);
                if (r != SendResult.QUEUED) {
                    throw new IllegalStateException("send returned " + r);
                }
                int idleRounds = 0;
                while (a.poll(onReply, 1) == 0) {
                    idle(o.idle, idleRounds++);
                    if ((idleRounds & 0xFFFF) == 0 && System.nanoTime() - start > timeoutNs) {
                        throw new TimeoutException("starling RTT: no reply to " + i);
                    }
                }
                samples[i] = System.nanoTime() - t0;
                if (reply[0] != i) {
                    throw new IllegalStateException("starling RTT: reply " + reply[0] + ", expected " + i);
                }
                if (error.get() != null) {
                    throw new IllegalStateException(error.get());
                }
            }
        } finally {
            stop.set(true);
            echo.join(5_000);
        }
    }

    /** One request outstanding, driven from A's event loop by A's inline handler (see the class comment). */
    void roundTripsInline(long[] samples) throws Exception {
        int type = o.inlineType;
        int payloadBytes = o.payloadBytes;
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> error = new AtomicReference<>();
        // Written by the calling thread before the first send, then only by A's event loop; read
        // back by the calling thread after the latch.
        long[] sentAt = new long[1];
        int[] next = {0};
        onInlineReply = (t, sender, ty, payload) -> {
            long now = System.nanoTime();
            int i = next[0];
            if (i >= samples.length) {
                error.compareAndSet(null, "starling inline RTT: unexpected reply");
                return;
            }
            long seq = ByteBuffer.wrap(payload).getLong(0);
            if (seq != i || ty != type) {
                error.compareAndSet(null, "starling inline RTT: reply " + seq + ", expected " + i);
            }
            samples[i] = now - sentAt[0];
            next[0] = ++i;
            if (i == samples.length) {
                done.countDown();
                return;
            }
            byte[] request = new byte[payloadBytes];
            ByteBuffer.wrap(request).putLong(0, i);
            sentAt[0] = System.nanoTime();
            SendResult r = t.send(B, type, request);
            if (r != SendResult.QUEUED) {
                error.compareAndSet(null, "starling inline RTT: send returned " + r);
                done.countDown();
            }
        };
        try {
            byte[] first = new byte[payloadBytes];
            sentAt[0] = System.nanoTime();
            SendResult r = a.send(B, type, first);
            if (r != SendResult.QUEUED) {
                throw new IllegalStateException("send returned " + r);
            }
            if (!done.await(o.timeoutSeconds, TimeUnit.SECONDS)) {
                throw new TimeoutException("starling inline RTT run did not finish in " + o.timeoutSeconds + " s");
            }
        } finally {
            onInlineReply = null;
        }
        if (error.get() != null) {
            throw new IllegalStateException(error.get());
        }
    }

    /** One request outstanding, sent by the calling thread; A's inline handler hands it the reply. */
    void roundTripsInlineFromApp(long[] samples) throws Exception {
        long timeoutNs = o.timeoutSeconds * 1_000_000_000L;
        int type = o.inlineType;
        AtomicLong reply = new AtomicLong(-1);
        onInlineReply = (t, sender, ty, payload) -> reply.lazySet(ByteBuffer.wrap(payload).getLong(0));
        long start = System.nanoTime();
        try {
            for (int i = 0; i < samples.length; i++) {
                byte[] payload = new byte[o.payloadBytes];
                ByteBuffer.wrap(payload).putLong(0, i);
                long t0 = System.nanoTime();
                SendResult r = a.send(B, type, payload);
                if (r != SendResult.QUEUED) {
                    throw new IllegalStateException("send returned " + r);
                }
                int idleRounds = 0;
                long got;
                while ((got = reply.get()) < i) {
                    idle(o.idle, idleRounds++);
                    if ((idleRounds & 0xFFFF) == 0 && System.nanoTime() - start > timeoutNs) {
                        throw new TimeoutException("starling inline RTT from app: no reply to " + i);
                    }
                }
                samples[i] = System.nanoTime() - t0;
                if (got != i) {
                    throw new IllegalStateException("starling inline RTT from app: reply " + got + ", expected " + i);
                }
            }
        } finally {
            onInlineReply = null;
        }
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
