package dev.starling.node.store;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.replication.StateWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The writes of one agent batch, applied by {@link #commit()} in one LMDB write transaction (the
 * group commit): all of them or none. Operations apply in the order they were added. Arguments
 * are checked when an operation is added; byte arrays are not copied, so they must not change
 * until {@link #commit()} returns.
 *
 * <p>Obtained from {@link Store#batch()}, used by the store's owner thread only. A batch whose
 * commit failed (for example with {@link StoreFullException}) is unchanged and may be committed
 * again; a committed batch may not be reused.
 */
public final class Batch implements StateWriter {

    static final int PUT_OBJECT = 0;
    static final int DELETE_OBJECT = 1;
    static final int PUT_META = 2;
    static final int DELETE_META = 3;
    static final int APPEND_DELTA = 4;
    static final int TRIM_DELTAS = 5;
    static final int APPEND_FEED = 6;

    /**
     * One recorded operation; {@code seq} is used by the delta and feed operations only (for a feed
     * record, its first cursor), {@code count} by the feed only (the number of changes it holds).
     */
    record Op(int kind, byte[] key, byte[] value, long seq, int count) {
    }

    private final Store store;
    private final List<Op> ops = new ArrayList<>();
    private long lastDeltaSeq;
    private long lastFeedCursor;
    private boolean committed;

    Batch(Store store, long lastDeltaSeq, long lastFeedCursor) {
        this.store = store;
        this.lastDeltaSeq = lastDeltaSeq;
        this.lastFeedCursor = lastFeedCursor;
    }

    /** Stores {@code state} as the state of object {@code name}, replacing any previous one. */
    public Batch putObject(String name, byte[] state) {
        return add(PUT_OBJECT, store.keyBytes("object name", name), Objects.requireNonNull(state, "state"), 0);
    }

    /** Deletes object {@code name}; nothing happens if there is none. */
    public Batch deleteObject(String name) {
        return add(DELETE_OBJECT, store.keyBytes("object name", name), null, 0);
    }

    /**
     * Stores a free-form meta entry of the node. Keys starting with {@code store/} or {@code ack/}
     * belong to the store (use {@link #putAck}, {@link #putHlcHighWaterMark}) and are refused.
     */
    public Batch putMeta(String key, byte[] value) {
        return add(PUT_META, freeMetaKey(key), Objects.requireNonNull(value, "value"), 0);
    }

    /** Deletes a free-form meta entry; nothing happens if there is none. */
    public Batch deleteMeta(String key) {
        return add(DELETE_META, freeMetaKey(key), null, 0);
    }

    /** Records that {@code peer} has acknowledged every delta up to {@code seq}. */
    public Batch putAck(ReplicaId peer, long seq) {
        Objects.requireNonNull(peer, "peer");
        if (seq < 0) {
            throw new IllegalArgumentException("ack position must be >= 0: " + seq);
        }
        return add(PUT_META, StoreLayout.ackKey(peer), StoreLayout.u64(seq), 0);
    }

    /** Forgets the ack position of {@code peer} (a departed replica). */
    public Batch deleteAck(ReplicaId peer) {
        return add(DELETE_META, StoreLayout.ackKey(Objects.requireNonNull(peer, "peer")), null, 0);
    }

    /**
     * Stores the clock's high-water mark: its physical and logical parts (the replica part is this
     * directory's replica id). The store keeps what it is given; keeping it monotonic is the clock's job.
     */
    public Batch putHlcHighWaterMark(Hlc hlc) {
        return add(PUT_META, StoreLayout.META_HLC, StoreLayout.u64(Objects.requireNonNull(hlc, "hlc").packedTime()), 0);
    }

    /**
     * Appends a delta to the log. Sequences start at 1 and must increase: {@code seq} must be larger
     * than every sequence appended before, in this batch or any committed one, trimmed or not.
     */
    public Batch appendDelta(long seq, byte[] delta) {
        Objects.requireNonNull(delta, "delta");
        if (seq <= lastDeltaSeq) {
            throw new IllegalArgumentException(
                    "delta sequence " + seq + " must be larger than the last one appended, " + lastDeltaSeq);
        }
        lastDeltaSeq = seq;
        return add(APPEND_DELTA, null, delta, seq);
    }

    /** Removes every delta whose sequence is smaller than {@code seq} from the log. */
    public Batch trimDeltasBefore(long seq) {
        return add(TRIM_DELTAS, null, null, seq);
    }

    /**
     * Appends a record of {@code changes} change-feed entries, whose cursors are
     * {@code firstCursor .. firstCursor + changes - 1}, to the change feed. Cursors start at 1 and
     * have no gaps, also across restarts: {@code firstCursor} must be the cursor after the last one
     * appended. When the feed is over its bounds ({@link StoreConfig#maxFeedEntries()} counts
     * entries, {@link StoreConfig#maxFeedBytes()} record bytes), whole records are dropped, oldest
     * first.
     */
    public Batch appendFeed(long firstCursor, int changes, byte[] record) {
        Objects.requireNonNull(record, "record");
        if (changes < 1) {
            throw new IllegalArgumentException("a feed record holds at least one change: " + changes);
        }
        if (firstCursor != lastFeedCursor + 1) {
            throw new IllegalArgumentException(
                    "feed cursor " + firstCursor + " must follow the last one appended, " + lastFeedCursor);
        }
        lastFeedCursor = firstCursor + changes - 1;
        return add(APPEND_FEED, null, record, firstCursor, changes);
    }

    /** Number of operations recorded so far. */
    public int size() {
        return ops.size();
    }

    /**
     * Applies every operation in one write transaction and returns the commit id (see
     * {@link Store#durableCommitId()}). With {@link SyncPolicy#ALWAYS} the transaction is on disk
     * when this returns. An empty batch commits nothing and returns the id of the last commit.
     *
     * @throws StoreFullException if the batch does not fit in {@link StoreConfig#maxMapSizeBytes()};
     *     nothing of it was applied
     */
    public long commit() {
        if (committed) {
            throw new IllegalStateException("batch already committed");
        }
        long id = store.commit(ops);
        committed = true;
        return id;
    }

    private Batch add(int kind, byte[] key, byte[] value, long seq) {
        return add(kind, key, value, seq, 0);
    }

    private Batch add(int kind, byte[] key, byte[] value, long seq, int count) {
        if (committed) {
            throw new IllegalStateException("batch already committed");
        }
        ops.add(new Op(kind, key, value, seq, count));
        return this;
    }

    private byte[] freeMetaKey(String key) {
        byte[] bytes = store.keyBytes("meta key", key);
        if (StoreLayout.isReservedMetaKey(key)) {
            throw new IllegalArgumentException("meta keys starting with " + StoreLayout.STORE_PREFIX + " or "
                    + StoreLayout.ACK_PREFIX + " belong to the store: " + key);
        }
        return bytes;
    }
}
