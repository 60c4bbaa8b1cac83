package dev.starling.transport;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send fast path of inline handlers. While an event loop thread hands the messages of one frame
 * to the {@link InlineHandler}, a {@code send} to a peer whose channel that same thread serves does
 * not schedule a drain task: the peer is noted here (it already holds its queue's drain token), and
 * when the frame's messages have all been handled, each noted peer is drained in place, on this
 * thread, before the event loop goes on to other channels and tasks.
 *
 * <p>Why at the end of the frame and not at each send: the replies to the requests of one frame
 * leave in one frame and one flush (one syscall), as the polled path's batching would send them.
 * Why not through {@code eventLoop.execute} as other sends on the event loop do (no wake-up is
 * needed there either): that task runs only after the event loop has also read every other ready
 * channel of this round, so a reply would wait for unrelated connections.
 *
 * <p>One instance per event loop thread; only that thread touches it.
 */
final class DeferredDrains {

    private static final Logger LOG = LoggerFactory.getLogger(DeferredDrains.class);

    private static final FastThreadLocal<DeferredDrains> CURRENT = new FastThreadLocal<>() {
        @Override
        protected DeferredDrains initialValue() {
            return new DeferredDrains();
        }
    };

    private final ArrayList<Peer> peers = new ArrayList<>();
    /** Inline deliveries under way on this thread (nested only if a handler makes the pipeline read). */
    private int depth;

    private DeferredDrains() {
    }

    /** Starts an inline delivery on the calling (event loop) thread; pair with {@link #end} in a finally block. */
    static DeferredDrains begin() {
        DeferredDrains d = CURRENT.get();
        d.depth++;
        return d;
    }

    /**
     * Notes {@code peer} for a drain at the end of the inline delivery under way on this thread;
     * false (the caller schedules the drain itself) when there is none. Only for a peer whose
     * channel this thread serves, and by the holder of that peer's drain token.
     */
    static boolean defer(Peer peer) {
        DeferredDrains d = CURRENT.getIfExists();
        if (d == null || d.depth == 0) {
            return false;
        }
        d.peers.add(peer);
        return true;
    }

    /** Ends the inline delivery; at the outermost one, drains every noted peer. */
    void end() {
        if (--depth > 0) {
            return;
        }
        // No delivery is under way any more: a drain that finds more to send schedules itself as usual.
        ArrayList<Peer> noted = peers;
        for (int i = 0; i < noted.size(); i++) {
            try {
                noted.get(i).drainDeferred();
            } catch (RuntimeException e) {
                // Each noted peer holds its drain token until its drain runs: never skip the others.
                LOG.warn("deferred drain of {} failed", noted.get(i).id, e);
            }
        }
        noted.clear();
    }
}
