package dev.starling.transport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer thread of one transport. Every tick it looks at the read and write counts of every
 * connection ({@link IdleTracker}) and fires the idle events that are due: heartbeats and
 * dead-peer detection. It also runs the reconnect backoff timers. So the event loops carry no
 * timers while connections are established and peers reachable (the handshake timeout, the
 * goodbye grace and the inbound retry are the only, short-lived, timers left on them).
 *
 * <p>The tick is an eighth of the shorter of the two idle times (125 ms with the LAN defaults): an
 * event fires at most a quarter of its idle time late, never early. A ping therefore leaves within
 * 1.25 heartbeat intervals of the last write, well inside the dead-peer timeout of the other side
 * (at least two intervals, see {@link TransportConfig.Builder#build}).
 */
final class IdleMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IdleMonitor.class);
    static final int TICKS_PER_IDLE_TIME = 8;

    private final ScheduledThreadPoolExecutor timer;
    private final Set<IdleTracker> trackers = ConcurrentHashMap.newKeySet();
    private final long readerIdleNs;
    private final long writerIdleNs;
    private final LongSupplier nanoClock;

    /** A monitor that ticks by itself, with the system's nano clock. */
    static IdleMonitor start(String threadName, long readerIdleNs, long writerIdleNs) {
        return new IdleMonitor(threadName, readerIdleNs, writerIdleNs, System::nanoTime, true);
    }

    /**
     * @param ticking false for tests: nothing ticks by itself, the test calls {@link #tick(long)}
     *     with its virtual time
     */
    IdleMonitor(String threadName, long readerIdleNs, long writerIdleNs, LongSupplier nanoClock, boolean ticking) {
        this.readerIdleNs = readerIdleNs;
        this.writerIdleNs = writerIdleNs;
        this.nanoClock = nanoClock;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        if (ticking) {
            long tickNs = Math.max(1, Math.min(readerIdleNs, writerIdleNs) / TICKS_PER_IDLE_TIME);
            timer.scheduleAtFixedRate(this::tick, tickNs, tickNs, TimeUnit.NANOSECONDS);
        }
    }

    void register(IdleTracker tracker) {
        tracker.start(nanoClock.getAsLong());
        trackers.add(tracker); // publishes the tracker's start state to the timer thread
    }

    void unregister(IdleTracker tracker) {
        trackers.remove(tracker);
    }

    /** Runs {@code task} on the timer thread after {@code delay}; throws RejectedExecutionException once closed. */
    ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return timer.schedule(task, delay, unit);
    }

    /** One look at every connection (package-private for tests, which call it with virtual time). */
    void tick(long nowNs) {
        for (IdleTracker t : trackers) {
            t.check(nowNs, readerIdleNs, writerIdleNs);
        }
    }

    private void tick() {
        try {
            tick(nanoClock.getAsLong());
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: log and keep ticking.
            LOG.warn("idle check failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
