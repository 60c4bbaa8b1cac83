package dev.starling.node.membership;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Refuses a signed frame seen before. Each sender (an authenticated replica id) numbers its frames
 * 1, 2, 3... within an epoch, a random number drawn when its membership starts. For each sender
 * this keeps the last {@value #EPOCHS_PER_SENDER} epochs, each with the highest sequence number
 * seen and a sliding window of the {@value #WINDOW} numbers below it, as IPsec's anti-replay window
 * does (RFC 4303, 3.4.3): a number seen before, or older than the window, is refused.
 *
 * <p>What it does not catch: a frame from an epoch this node does not hold (older than the last
 * {@value #EPOCHS_PER_SENDER} runs of that sender, or sent before this node started, or from a
 * sender evicted from the bounded table) is accepted once. Replaying such a frame only repeats old
 * SWIM facts (old incarnations, old member ids), which SWIM's incarnation rules ignore. No clock
 * is involved, so nodes with skewed clocks are not affected.
 *
 * <p>Bounded: at most {@code maxSenders} senders (least recently heard evicted), and only senders
 * that passed the signature check get an entry. Thread-safe (one lock; SWIM rates are low).
 */
final class ReplayGuard {

    static final int WINDOW = 1024;
    static final int EPOCHS_PER_SENDER = 4;

    private static final class EpochWindow {
        final long epoch;
        long highest;
        final long[] seen = new long[WINDOW / 64];

        EpochWindow(long epoch) {
            this.epoch = epoch;
        }
    }

    private final Map<Long, ArrayDeque<EpochWindow>> senders;

    ReplayGuard(int maxSenders) {
        this.senders = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ArrayDeque<EpochWindow>> eldest) {
                return size() > maxSenders;
            }
        };
    }

    /** Whether the frame ({@code sender}, {@code epoch}, {@code sequence}) is new; records it if so. */
    synchronized boolean accept(long sender, long epoch, long sequence) {
        if (sequence <= 0) {
            return false;
        }
        ArrayDeque<EpochWindow> epochs = senders.computeIfAbsent(sender, s -> new ArrayDeque<>(EPOCHS_PER_SENDER));
        EpochWindow w = null;
        for (Iterator<EpochWindow> it = epochs.iterator(); it.hasNext(); ) {
            EpochWindow candidate = it.next();
            if (candidate.epoch == epoch) {
                w = candidate;
                it.remove();
                break;
            }
        }
        if (w == null) {
            w = new EpochWindow(epoch);
            w.highest = sequence;
            set(w, sequence);
            addFirst(epochs, w);
            return true;
        }
        addFirst(epochs, w);
        if (sequence > w.highest) {
            long advance = sequence - w.highest;
            if (advance >= WINDOW) {
                java.util.Arrays.fill(w.seen, 0L);
            } else {
                for (long s = w.highest + 1; s < sequence; s++) {
                    clear(w, s);
                }
            }
            w.highest = sequence;
            set(w, sequence);
            return true;
        }
        if (w.highest - sequence >= WINDOW) {
            return false;
        }
        if (isSet(w, sequence)) {
            return false;
        }
        set(w, sequence);
        return true;
    }

    private static void addFirst(ArrayDeque<EpochWindow> epochs, EpochWindow w) {
        epochs.addFirst(w);
        while (epochs.size() > EPOCHS_PER_SENDER) {
            epochs.removeLast();
        }
    }

    private static int bit(long sequence) {
        return (int) (sequence & (WINDOW - 1));
    }

    private static void set(EpochWindow w, long sequence) {
        int b = bit(sequence);
        w.seen[b >>> 6] |= 1L << (b & 63);
    }

    private static void clear(EpochWindow w, long sequence) {
        int b = bit(sequence);
        w.seen[b >>> 6] &= ~(1L << (b & 63));
    }

    private static boolean isSet(EpochWindow w, long sequence) {
        int b = bit(sequence);
        return (w.seen[b >>> 6] & (1L << (b & 63))) != 0;
    }
}
