package dev.starling.node;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.proto.v1.FeedEntryProto;
import dev.starling.node.proto.v1.FeedRecordProto;
import dev.starling.node.replication.Change;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.replication.StateWriter;
import dev.starling.node.store.Batch;
import dev.starling.node.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's change feed: every applied change, local or replicated, gets the next node-local
 * cursor (1, 2, 3, ... across restarts) and is stored in the same LMDB transaction as the state it
 * describes, so after a crash the feed and the state agree. Bounded by
 * {@code StoreConfig.maxFeedEntries/maxFeedBytes}: the oldest entries are dropped first.
 *
 * <p>The store keeps one record per agent cycle ({@code FeedRecordProto}), keyed by the cursor of
 * its first change: the change at index i of a record has cursor key + i. One LMDB record per cycle
 * instead of one per change is what makes the feed cheap for the agent (docs/benchmarks.md); pages
 * are still cut at change granularity, so a page may end in the middle of a record.
 *
 * <p>The replica agent appends ({@link #append}) and, after the commit, publishes the new entries
 * to listeners ({@link #publish}); any thread may read pages ({@link #read}).
 */
public final class ChangeFeed {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
    public static final int MAX_PAGE = 1000;

    /** One change as the API shows it. */
    public record Entry(long cursor, ObjectKey object, String key, Change.Op op, ReplicaId origin, Hlc hlc) {

        /** The API's type name: map, set, counter or register. */
        public String type() {
            return typeName(object.kind());
        }
    }

    /** Receives newly committed entries, in cursor order, on the agent thread: must not block. */
    @FunctionalInterface
    public interface Listener {
        void onEntries(List<Entry> entries);
    }

    /**
     * The node's own follower of the feed (the collection indexer): told of each published cycle
     * without the entries being built for it. Agent thread; must not block or keep the list.
     */
    interface CycleHook {
        void onCycle(long firstCursor, List<Change> changes);
    }

    private volatile CycleHook hook;

    void hook(CycleHook h) {
        this.hook = h;
    }

    private final Store store;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long nextCursor;
    private volatile long lastCursor;

    ChangeFeed(Store store) {
        this.store = store;
        this.lastCursor = store.lastFeedCursor();
        this.nextCursor = lastCursor + 1;
    }

    public static String typeName(ObjectKind kind) {
        return switch (kind) {
            case MAP -> "map";
            case SET -> "set";
            case COUNTER -> "counter";
            case COLLECTION -> "collection";
            default -> "register";
        };
    }

    /**
     * Agent thread: encodes {@code change} into the record of the cycle now, while its data is in the
     * CPU's caches (encoding a cycle's thousands of changes at its end cost twice as much). The
     * changes staged must be the first ones {@link #append} is given.
     */
    void stage(Change change) {
        int size = entrySize(change);
        int need = CodedOutputStream.computeUInt32SizeNoTag(ENTRY_TAG) + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
        if (staged.length - stagedBytes < need || stagedOut == null) {
            if (staged.length - stagedBytes < need) {
                staged = java.util.Arrays.copyOf(staged, Math.max(2 * staged.length, stagedBytes + need));
            }
            stagedOut = CodedOutputStream.newInstance(staged, stagedBytes, staged.length - stagedBytes);
        }
        try {
            writeEntry(stagedOut, change, size);
        } catch (IOException e) {
            throw new IllegalStateException("change feed entry of " + size + " bytes does not fit its size", e);
        }
        stagedBytes += need;
        stagedCount++;
    }

    /**
     * Agent thread: gives the cycle's {@code changes} (at least one) the next cursors and adds them
     * to {@code batch} as one record (staging those not {@link #stage staged} yet). Returns the
     * cursor of the first.
     */
    long append(StateWriter batch, List<Change> changes) {
        if (stagedCount > changes.size()) {
            throw new IllegalStateException(stagedCount + " changes staged, " + changes.size() + " appended");
        }
        for (int i = stagedCount; i < changes.size(); i++) {
            stage(changes.get(i));
        }
        long first = nextCursor;
        byte[] record = java.util.Arrays.copyOf(staged, stagedBytes);
        clearStaged();
        ((Batch) batch).appendFeed(first, changes.size(), record);
        nextCursor = first + changes.size();
        return first;
    }

    private void clearStaged() {
        stagedBytes = 0;
        stagedCount = 0;
        stagedOut = null;
        if (staged.length > MAX_KEPT_STAGING_BYTES) {
            staged = new byte[INITIAL_STAGING_BYTES];
        }
    }

    /**
     * Agent thread, after the commit of {@code changes} with cursors from {@code firstCursor}: makes
     * them visible and notifies listeners.
     */
    void publish(long firstCursor, List<Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        lastCursor = firstCursor + changes.size() - 1;
        CycleHook h = hook;
        if (h != null) {
            try {
                h.onCycle(firstCursor, changes);
            } catch (RuntimeException ex) {
                LOG.warn("change feed hook threw", ex);
            }
        }
        if (listeners.isEmpty()) {
            return;
        }
        Entry[] entries = new Entry[changes.size()];
        for (int i = 0; i < entries.length; i++) {
            Change c = changes.get(i);
            entries[i] = new Entry(firstCursor + i, c.object(), c.key(), c.op(), c.origin(), c.hlc());
        }
        // listeners get a list they may keep
        List<Entry> view = List.of(entries);
        for (Listener l : listeners) {
            try {
                l.onEntries(view);
            } catch (RuntimeException ex) {
                LOG.warn("change feed listener threw", ex);
            }
        }
    }

    /** Agent thread: a commit failed, so the cursors it took are given back. */
    void rollback(long firstUnused) {
        nextCursor = firstUnused;
        clearStaged();
    }

    long nextCursor() {
        return nextCursor;
    }

    /** The cursor of the newest committed entry (0 if none). */
    public long lastCursor() {
        return lastCursor;
    }

    /** The cursor of the oldest entry still kept (older ones were dropped by the bounds); 0 if none. */
    public long firstCursor() {
        return store.firstFeedCursor();
    }

    /** Up to {@code limit} (at most {@link #MAX_PAGE}) entries with a cursor above {@code since}. */
    public List<Entry> read(long since, int limit) {
        int max = Math.max(0, Math.min(limit, MAX_PAGE));
        long last = lastCursor;
        List<Entry> out = new ArrayList<>(Math.min(max, 64));
        if (max == 0 || since >= last) {
            return out;
        }
        store.forEachFeed(since + 1, (first, bytes) -> decodeRecord(first, bytes, since, last, max, out));
        return out;
    }

    /** Listens to new entries from now on. */
    public Subscription subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    // ---- the record: FeedRecordProto written and read field by field, without builders ----

    private static final int ENTRY_FIELD = FeedRecordProto.ENTRIES_FIELD_NUMBER;
    private static final int ENTRY_TAG = (ENTRY_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private static final int INITIAL_STAGING_BYTES = 64 << 10;
    private static final int MAX_KEPT_STAGING_BYTES = 4 << 20;

    /** The record of the cycle being staged (agent thread only): its bytes, their length, the entries. */
    private byte[] staged = new byte[INITIAL_STAGING_BYTES];
    private int stagedBytes;
    private int stagedCount;
    /** Writes at {@code stagedBytes} of {@code staged}; null when it must be created anew. */
    private CodedOutputStream stagedOut;

    private static void writeEntry(CodedOutputStream out, Change c, int size) throws IOException {
        out.writeUInt32NoTag(ENTRY_TAG);
        out.writeUInt32NoTag(size);
        out.writeUInt32(FeedEntryProto.KIND_FIELD_NUMBER, c.object().kind().tag());
        out.writeString(FeedEntryProto.OBJECT_FIELD_NUMBER, c.object().name());
        if (c.key() != null) {
            out.writeString(FeedEntryProto.KEY_FIELD_NUMBER, c.key());
        }
        out.writeUInt32(FeedEntryProto.OP_FIELD_NUMBER, c.op().ordinal() + 1);
        out.writeFixed64(FeedEntryProto.ORIGIN_FIELD_NUMBER, c.origin().value());
        if (c.hlc() != null) {
            out.writeUInt64(FeedEntryProto.HLC_TIME_FIELD_NUMBER, c.hlc().packedTime());
            out.writeFixed64(FeedEntryProto.HLC_REPLICA_FIELD_NUMBER, c.hlc().replica().value());
        }
    }

    private static int entrySize(Change c) {
        int size = CodedOutputStream.computeUInt32Size(FeedEntryProto.KIND_FIELD_NUMBER, c.object().kind().tag())
            + CodedOutputStream.computeStringSize(FeedEntryProto.OBJECT_FIELD_NUMBER, c.object().name())
            + CodedOutputStream.computeUInt32Size(FeedEntryProto.OP_FIELD_NUMBER, c.op().ordinal() + 1)
            + CodedOutputStream.computeFixed64Size(FeedEntryProto.ORIGIN_FIELD_NUMBER, 0);
        if (c.key() != null) {
            size += CodedOutputStream.computeStringSize(FeedEntryProto.KEY_FIELD_NUMBER, c.key());
        }
        if (c.hlc() != null) {
            size += CodedOutputStream.computeUInt64Size(FeedEntryProto.HLC_TIME_FIELD_NUMBER, c.hlc().packedTime())
                + CodedOutputStream.computeFixed64Size(FeedEntryProto.HLC_REPLICA_FIELD_NUMBER, 0);
        }
        return size;
    }

    /**
     * Adds the entries of the record with first cursor {@code first} that lie in
     * {@code (since, last]} to {@code out}, until it holds {@code max}; returns whether to go on with
     * the next record. Entries before {@code since} are skipped without being decoded. A record
     * written before records held several entries is a bare {@code FeedEntryProto}: one entry.
     */
    private static boolean decodeRecord(long first, byte[] bytes, long since, long last, int max, List<Entry> out) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        long cursor = first;
        try {
            int tag = in.readTag();
            if (tag != 0 && WireFormat.getTagFieldNumber(tag) != ENTRY_FIELD) {
                if (first > since && first <= last) {
                    add(out, decode(first, bytes, 0, bytes.length));
                }
                return first < last && out.size() < max;
            }
            for (; tag != 0; tag = in.readTag(), cursor++) {
                if (tag != ENTRY_TAG) {
                    throw new InvalidProtocolBufferException("unexpected field " + WireFormat.getTagFieldNumber(tag));
                }
                if (cursor > last) {
                    return false;
                }
                int size = in.readRawVarint32();
                if (cursor <= since) {
                    in.skipRawBytes(size);
                    continue;
                }
                int at = in.getTotalBytesRead();
                if (size < 0 || size > bytes.length - at) {
                    throw new InvalidProtocolBufferException("entry of " + size + " bytes past the end of the record");
                }
                add(out, decode(cursor, bytes, at, size));
                in.skipRawBytes(size);
                if (out.size() >= max) {
                    return false;
                }
            }
        } catch (IOException e) {
            LOG.warn("change feed record at {} is corrupt from entry {}: the rest of it skipped", first, cursor, e);
        }
        return cursor <= last;
    }

    private static void add(List<Entry> out, Entry e) {
        if (e != null) {
            out.add(e);
        }
    }

    private static Entry decode(long cursor, byte[] bytes, int offset, int length) {
        try {
            FeedEntryProto p = FeedEntryProto.parser().parseFrom(bytes, offset, length);
            ObjectKind kind = ObjectKind.ofTag(p.getKind());
            Change.Op[] ops = Change.Op.values();
            if (kind == null || p.getOp() < 1 || p.getOp() > ops.length || !ObjectKey.isValidName(p.getObject())) {
                LOG.warn("change feed entry {} is not readable by this version: skipped", cursor);
                return null;
            }
            Hlc hlc = p.getHlcTime() == 0 ? null
                : new Hlc(p.getHlcTime() >>> 16, (int) (p.getHlcTime() & Hlc.MAX_LOGICAL), new ReplicaId(p.getHlcReplica()));
            return new Entry(cursor, new ObjectKey(kind, p.getObject()), p.hasKey() ? p.getKey() : null,
                ops[p.getOp() - 1], new ReplicaId(p.getOrigin()), hlc);
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            LOG.warn("change feed entry {} is corrupt: skipped", cursor, e);
            return null;
        }
    }
}
