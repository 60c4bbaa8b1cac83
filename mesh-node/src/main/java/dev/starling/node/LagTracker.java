package dev.starling.node;

/**
 * How far behind each peer is, in time: when the local delta log's last sequence is sampled
 * (once a second, by the replica agent), the sample says "sequence S existed at time T". A peer
 * that has acknowledged up to {@code ack} is missing {@code ack + 1}, which existed at the time of
 * the first sample with a sequence above {@code ack}: its lag is the time since then (a lower bound,
 * within one sampling interval). A peer that has acknowledged everything has no lag.
 *
 * <p>Agent thread only; a ring of the last {@link #CAPACITY} distinct samples (an hour at one a
 * second), so a peer behind for longer shows the age of the oldest sample.
 */
final class LagTracker {

    static final int CAPACITY = 3600;

    private final long[] seqs = new long[CAPACITY];
    private final long[] times = new long[CAPACITY];
    private int start;
    private int size;

    /** Records that {@code lastSeq} existed at {@code nowMs} (ignored if unchanged). */
    void sample(long lastSeq, long nowMs) {
        if (size > 0 && seqs[(start + size - 1) % CAPACITY] == lastSeq) {
            return;
        }
        if (size == CAPACITY) {
            start = (start + 1) % CAPACITY;
            size--;
        }
        int i = (start + size) % CAPACITY;
        seqs[i] = lastSeq;
        times[i] = nowMs;
        size++;
    }

    /** The lag of a peer that acknowledged up to {@code ack}, in ms; 0 if it has everything. */
    long lagMs(long ack, long lastSeq, long nowMs) {
        if (ack >= lastSeq || size == 0) {
            return 0;
        }
        for (int k = 0; k < size; k++) {
            int i = (start + k) % CAPACITY;
            if (seqs[i] > ack) {
                return Math.max(0, nowMs - times[i]);
            }
        }
        return 0;
    }
}
