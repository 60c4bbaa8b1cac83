package dev.starling.node;

import dev.starling.node.store.Store;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Under the {@code interval} sync policy, fsyncs the store every {@code syncInterval} on a thread of
 * its own ({@link Store#syncCommitted}), so the replica agent never waits for the disk: an fsync on
 * the agent thread took it several milliseconds out of every interval and cut a 3-node mesh's write
 * rate by half (docs/benchmarks.md).
 */
final class Syncer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Syncer.class);

    private final Store store;
    private final long intervalNs;
    private final Thread thread;
    private volatile boolean stopped;

    Syncer(Store store, long intervalNs, String name) {
        this.store = store;
        this.intervalNs = intervalNs;
        this.thread = new Thread(this::run, "starling-sync-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (!stopped) {
            LockSupport.parkNanos(intervalNs);
            if (stopped) {
                break;
            }
            try {
                store.syncCommitted();
            } catch (RuntimeException e) {
                LOG.error("fsync of the store failed; retrying in {} ms", TimeUnit.NANOSECONDS.toMillis(intervalNs), e);
            }
        }
    }

    /** Stops the thread; the store's own close does the last fsync. */
    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
