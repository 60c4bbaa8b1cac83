package dev.starling.node;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.proto.v1.FeedEntryProto;
import dev.starling.node.replication.Change;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.replication.StateWriter;
import dev.starling.node.store.Batch;
import dev.starling.node.store.Store;
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

    /** Agent thread: gives {@code change} the next cursor and adds it to {@code batch}. */
    Entry append(StateWriter batch, Change change) {
        long cursor = nextCursor++;
        Entry e = new Entry(cursor, change.object(), change.key(), change.op(), change.origin(), change.hlc());
        ((Batch) batch).appendFeed(cursor, encode(e));
        return e;
    }

    /** Agent thread, after the commit of {@code entries}: makes them visible and notifies listeners. */
    void publish(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        lastCursor = entries.get(entries.size() - 1).cursor();
        if (listeners.isEmpty()) {
            return;
        }
        // the caller reuses its list: listeners get a copy they may keep
        List<Entry> view = List.copyOf(entries);
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
        store.forEachFeed(since + 1, (cursor, bytes) -> {
            if (cursor > last) {
                return false;
            }
            Entry e = decode(cursor, bytes);
            if (e != null) {
                out.add(e);
            }
            return out.size() < max;
        });
        return out;
    }

    /** Listens to new entries from now on. */
    public Subscription subscribe(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private static byte[] encode(Entry e) {
        FeedEntryProto.Builder b = FeedEntryProto.newBuilder()
            .setKind(e.object().kind().tag())
            .setObject(e.object().name())
            .setOp(e.op().ordinal() + 1)
            .setOrigin(e.origin().value());
        if (e.key() != null) {
            b.setKey(e.key());
        }
        if (e.hlc() != null) {
            b.setHlcTime(e.hlc().packedTime()).setHlcReplica(e.hlc().replica().value());
        }
        return b.build().toByteArray();
    }

    private static Entry decode(long cursor, byte[] bytes) {
        try {
            FeedEntryProto p = FeedEntryProto.parseFrom(bytes);
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
