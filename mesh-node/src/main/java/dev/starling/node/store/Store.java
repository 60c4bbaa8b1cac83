package dev.starling.node.store;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.replication.DurableState;
import org.lmdbjava.CopyFlags;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import static dev.starling.node.store.StoreLayout.u64;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The durable store of a node: one LMDB environment [1] in one data directory, with three named
 * databases, {@code objects}, {@code meta} and {@code deltas} (layout in {@link StoreLayout} and
 * docs/storage.md).
 *
 * <p><b>One writer.</b> A store belongs to the node's single writer thread (the replica agent):
 * every method, reads included, must be called by that thread, or by one thread at a time with a
 * happens-before edge between them. Readers of other threads read the immutable values the agent
 * publishes, never the store. Nothing here locks. The one exception is {@link #forEachFeed}, which
 * any thread may call while the store is open (an LMDB read transaction sees the last commit; the
 * environment has {@code MDB_NOTLS}), so the HTTP server pages through the change feed without
 * stopping the agent.
 *
 * <p><b>Group commit.</b> The agent collects the writes of one duty-cycle batch in a {@link Batch}
 * and commits it in one write transaction. LMDB is copy-on-write with two meta pages, so a commit
 * is atomic: after a crash at any point the directory holds exactly the batches whose commit
 * completed, in order. When the commit reaches the disk depends on the {@link SyncPolicy}.
 *
 * <p><b>Restart.</b> Opening maps the data file and reads a handful of meta keys (replica id,
 * delta-log bounds); objects, acks and deltas are read on demand from the map. Nothing is replayed.
 *
 * <p><b>Buffers.</b> The store passes {@code byte[]} to lmdbjava ({@link ScratchByteArrayProxy}):
 * keys and values are copied between the Java heap and LMDB, through native scratch buffers reused
 * per thread, which needs no {@code --add-opens} on Java 17 and leaves no buffer pointing into the
 * map when the map is grown and remapped. Values handed out are the caller's to keep.
 *
 * <p>[1] H. Chu, "MDB: A Memory-Mapped Database and Backend for OpenLDAP", LDAPCon 2011;
 * http://www.lmdb.tech/doc/
 */
public final class Store implements AutoCloseable, DurableState {

    private static final Logger LOG = LoggerFactory.getLogger(Store.class);

    /** Unix permissions of LMDB's files: owner only. */
    private static final int FILE_MODE = 0600;

    private final Path dir;
    private final StoreConfig config;
    private final DirectoryLock lock;
    private final Env<byte[]> env;
    private final Dbi<byte[]> objects;
    private final Dbi<byte[]> meta;
    private final Dbi<byte[]> deltas;
    private final Dbi<byte[]> feed;
    private final ReplicaId replicaId;
    private final int maxKeyBytes;
    private final int pageSizeBytes;
    private final DeltaLog log = new DeltaLog();
    private final DeltaLog scratch = new DeltaLog();
    private final DeltaLog feedLog = new DeltaLog();
    private final DeltaLog feedScratch = new DeltaLog();

    /** Volatile: {@link #syncCommitted} reads it on the syncing thread. */
    private volatile long lastCommitId;
    private volatile long durableCommitId;
    private final Object syncLock = new Object();
    private long lastSyncNs;
    private boolean syncedOnce;
    /**
     * Callbacks of forEach* running on the current thread: a commit from inside one would deadlock
     * LMDB (a write txn while this thread holds a read txn). Per thread, because reads may come from
     * other threads (the HTTP server reading the change feed) while the agent commits.
     */
    private final ThreadLocal<int[]> openReads = ThreadLocal.withInitial(() -> new int[1]);
    private boolean closed;

    private Store(Path dir, StoreConfig config, DirectoryLock lock, Env<byte[]> env, Random random) {
        this.dir = dir;
        this.config = config;
        this.lock = lock;
        this.env = env;
        this.maxKeyBytes = env.getMaxKeySize();
        this.pageSizeBytes = env.stat().pageSize;
        boolean created;
        try (Txn<byte[]> txn = env.txnWrite()) {
            objects = env.openDbi(txn, StoreLayout.utf8(StoreLayout.DB_OBJECTS), null, false, DbiFlags.MDB_CREATE);
            meta = env.openDbi(txn, StoreLayout.utf8(StoreLayout.DB_META), null, false, DbiFlags.MDB_CREATE);
            deltas = env.openDbi(txn, StoreLayout.utf8(StoreLayout.DB_DELTAS), null, false, DbiFlags.MDB_CREATE);
            feed = env.openDbi(txn, StoreLayout.utf8(StoreLayout.DB_FEED), null, false, DbiFlags.MDB_CREATE);
            byte[] format = meta.get(txn, StoreLayout.META_FORMAT);
            byte[] id = meta.get(txn, StoreLayout.META_REPLICA_ID);
            created = id == null;
            if (format != null && StoreLayout.u32(format) != StoreLayout.FORMAT_VERSION) {
                throw new StoreException("data directory " + dir + " has store format " + StoreLayout.u32(format)
                        + ", this version reads format " + StoreLayout.FORMAT_VERSION);
            }
            if (created) {
                replicaId = ReplicaId.random(random);
                meta.put(txn, StoreLayout.META_FORMAT, StoreLayout.u32(StoreLayout.FORMAT_VERSION));
                meta.put(txn, StoreLayout.META_REPLICA_ID, u64(replicaId.value()));
            } else {
                replicaId = new ReplicaId(u64(id));
            }
            readLog(txn, deltas, StoreLayout.META_DELTA_LOG, log);
            readLog(txn, feed, StoreLayout.META_FEED, feedLog);
            // the feed's records hold several entries each, without gaps: count entries, not records
            feedLog.count = feedLog.firstSeq == 0 ? 0 : feedLog.lastSeq - feedLog.firstSeq + 1;
            txn.commit();
        }
        if (created) {
            // The id names this replica to its peers from now on: make it durable whatever the policy.
            env.sync(true);
        }
        growMapIfNearlyFull();
    }

    /** Opens (creating if needed) the store in {@code dir}; a new directory gets a random replica id. */
    public static Store open(Path dir, StoreConfig config) {
        return open(dir, config, new SecureRandom());
    }

    /**
     * Opens (creating if needed) the store in {@code dir}, drawing a new directory's replica id from
     * {@code random}.
     *
     * @throws StoreLockedException if the directory is open already, here or in another process
     * @throws StoreException if it cannot be opened (the message says why)
     */
    public static Store open(Path dir, StoreConfig config, Random random) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(random, "random");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create data directory " + dir + ": " + e.getMessage(), e);
        }
        DirectoryLock lock = DirectoryLock.acquire(dir);
        Env<byte[]> env = null;
        try {
            EnvFlags[] flags = config.syncPolicy() == SyncPolicy.ALWAYS
                    ? new EnvFlags[] {EnvFlags.MDB_NOTLS}
                    : new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
            env = Env.create(ScratchByteArrayProxy.PROXY)
                    .setMapSize(config.mapSizeBytes())
                    .setMaxDbs(StoreLayout.MAX_DBS)
                    .open(dir.toFile(), FILE_MODE, flags);
            Store store = new Store(dir, config, lock, env, random);
            LOG.info("opened store {}: replica {}, {} objects, deltas {}..{}, {} bytes used of a {} byte map",
                    dir, store.replicaId, store.objectCount(), store.log.firstSeq, store.log.lastSeq,
                    store.sizeBytes(), store.mapSizeBytes());
            return store;
        } catch (RuntimeException e) {
            if (env != null) {
                env.close();
            }
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof LmdbException) {
                throw new StoreException("cannot open store in " + dir + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** A new, empty batch of writes. */
    public Batch batch() {
        checkOpen();
        return new Batch(this, log.lastSeq, feedLog.lastSeq);
    }

    /** This directory's replica id, created on its first open and the same ever after. */
    public ReplicaId replicaId() {
        return replicaId;
    }

    public Path dataDir() {
        return dir;
    }

    public StoreConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- reads

    /** The stored state of object {@code name}, or null. */
    public byte[] object(String name) {
        return get(objects, keyBytes("object name", name));
    }

    /** Calls {@code action} with every object's name and state, in the order of their UTF-8 bytes. */
    public void forEachObject(BiConsumer<String, byte[]> action) {
        Objects.requireNonNull(action, "action");
        checkOpen();
        openReads.get()[0]++;
        try (Txn<byte[]> txn = env.txnRead(); Cursor<byte[]> c = objects.openCursor(txn)) {
            for (boolean more = c.first(); more; more = c.next()) {
                action.accept(StoreLayout.string(c.key()), c.val());
            }
        } finally {
            openReads.get()[0]--;
        }
    }

    /** Number of stored objects. */
    public long objectCount() {
        checkOpen();
        try (Txn<byte[]> txn = env.txnRead()) {
            return objects.stat(txn).entries;
        }
    }

    /** The meta entry {@code key} (free-form or the store's own), or null. */
    public byte[] meta(String key) {
        return get(meta, keyBytes("meta key", key));
    }

    /** The clock's high-water mark as last stored, with this replica's id, or null if none was. */
    public Hlc hlcHighWaterMark() {
        byte[] v = get(meta, StoreLayout.META_HLC);
        if (v == null) {
            return null;
        }
        long packed = u64(v);
        return new Hlc(packed >>> 16, (int) (packed & Hlc.MAX_LOGICAL), replicaId);
    }

    /** The highest delta sequence {@code peer} has acknowledged, or 0 if none is stored. */
    public long ack(ReplicaId peer) {
        byte[] v = get(meta, StoreLayout.ackKey(Objects.requireNonNull(peer, "peer")));
        return v == null ? 0 : u64(v);
    }

    /** Every stored ack position, by peer, in replica-id order. */
    public Map<ReplicaId, Long> acks() {
        checkOpen();
        Map<ReplicaId, Long> acks = new TreeMap<>();
        try (Txn<byte[]> txn = env.txnRead(); Cursor<byte[]> c = meta.openCursor(txn)) {
            for (boolean more = c.get(StoreLayout.ACK_PREFIX_BYTES, GetOp.MDB_SET_RANGE); more; more = c.next()) {
                byte[] key = c.key();
                if (!StoreLayout.startsWith(key, StoreLayout.ACK_PREFIX_BYTES)) {
                    break;
                }
                ReplicaId peer = StoreLayout.peerOfAckKey(key);
                if (peer != null) {
                    acks.put(peer, u64(c.val()));
                }
            }
        }
        return Collections.unmodifiableMap(acks);
    }

    /** Receives deltas from {@link #forEachDelta}; returns false to stop. */
    @FunctionalInterface
    public interface DeltaVisitor {
        boolean visit(long seq, byte[] delta);
    }

    /**
     * Calls {@code visitor} with every delta whose sequence is at least {@code fromSeq}, in sequence
     * order, until it returns false. Returns the number of deltas visited.
     */
    public long forEachDelta(long fromSeq, DeltaVisitor visitor) {
        return forEachFrom(deltas, fromSeq, visitor);
    }

    /**
     * Calls {@code visitor} with every change-feed record that holds a cursor of at least
     * {@code fromCursor} (the first one may start before it), in cursor order, with the record's
     * first cursor, until it returns false. Returns the number of records visited.
     */
    public long forEachFeed(long fromCursor, DeltaVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        checkOpen();
        long visited = 0;
        openReads.get()[0]++;
        try (Txn<byte[]> txn = env.txnRead(); Cursor<byte[]> c = feed.openCursor(txn)) {
            long from = Math.max(0, fromCursor);
            boolean more = c.get(u64(from), GetOp.MDB_SET_RANGE);
            if (!more || u64(c.key()) > from) {
                // the record holding fromCursor starts before it, if there is one: step back to it
                boolean back = more ? c.prev() : c.last();
                if (back) {
                    more = true;
                } else {
                    more = c.first();
                }
            }
            for (; more; more = c.next()) {
                visited++;
                if (!visitor.visit(u64(c.key()), c.val())) {
                    break;
                }
            }
        } finally {
            openReads.get()[0]--;
        }
        return visited;
    }

    /** Walks a database keyed by u64 (the delta log, the feed) from {@code from} in key order. */
    private long forEachFrom(Dbi<byte[]> db, long from, DeltaVisitor visitor) {
        Objects.requireNonNull(visitor, "visitor");
        checkOpen();
        long visited = 0;
        openReads.get()[0]++;
        try (Txn<byte[]> txn = env.txnRead(); Cursor<byte[]> c = db.openCursor(txn)) {
            for (boolean more = c.get(u64(Math.max(0, from)), GetOp.MDB_SET_RANGE); more; more = c.next()) {
                visited++;
                if (!visitor.visit(u64(c.key()), c.val())) {
                    break;
                }
            }
        } finally {
            openReads.get()[0]--;
        }
        return visited;
    }

    /** Cursor of the oldest entry kept in the change feed, or 0 if it is empty. */
    public long firstFeedCursor() {
        return feedLog.firstSeq;
    }

    /** Cursor of the last change-feed entry ever appended (even if since dropped), or 0. */
    public long lastFeedCursor() {
        return feedLog.lastSeq;
    }

    /** Sequence of the oldest delta in the log, or 0 if the log is empty. */
    public long firstDeltaSeq() {
        return log.firstSeq;
    }

    /** Sequence of the last delta ever appended (even if since trimmed), or 0 if none was. */
    public long lastDeltaSeq() {
        return log.lastSeq;
    }

    /** Number of deltas in the log. */
    public long deltaCount() {
        return log.count;
    }

    /** Bytes of delta payloads in the log. */
    public long deltaBytes() {
        return log.bytes;
    }

    /** Bytes of the environment in use: pages up to the last one written, free pages included. */
    public long sizeBytes() {
        checkOpen();
        return (env.info().lastPageNumber + 1) * pageSizeBytes;
    }

    /** Current size of the memory map, the most the environment can hold before it is grown. */
    public long mapSizeBytes() {
        checkOpen();
        return env.info().mapSize;
    }

    // ---------------------------------------------------------------- durability

    /** Id of the last successful commit since open (0 before the first). */
    public long lastCommitId() {
        return lastCommitId;
    }

    /**
     * Id of the last commit that is durable as far as the sync policy promises: with ALWAYS every
     * commit once it returns, with INTERVAL the commits up to the last fsync, with NONE every commit
     * (NONE promises nothing). A node acknowledges a {@code local} write once its commit is durable.
     */
    public long durableCommitId() {
        return durableCommitId;
    }

    /**
     * With {@link SyncPolicy#INTERVAL}: fsyncs if a commit is waiting and the last fsync was at least
     * {@link StoreConfig#syncInterval()} before {@code nowNs}. Called by the agent every duty cycle
     * with its own clock ({@link System#nanoTime()} in production). Returns whether it synced; with
     * the other policies it never does.
     */
    public boolean syncIfDue(long nowNs) {
        checkOpen();
        if (config.syncPolicy() != SyncPolicy.INTERVAL || durableCommitId == lastCommitId) {
            return false;
        }
        if (syncedOnce && nowNs - lastSyncNs < config.syncIntervalNs()) {
            return false;
        }
        sync();
        lastSyncNs = nowNs;
        syncedOnce = true;
        return true;
    }

    /** Fsyncs every commit now, whatever the policy. */
    public void sync() {
        checkOpen();
        env.sync(true);
        durableCommitId = lastCommitId;
    }

    /**
     * Any thread, while the store is open: fsyncs everything committed so far and returns the id of
     * the last commit now on disk. With {@link SyncPolicy#INTERVAL} the node calls it from a thread
     * of its own every {@code syncInterval}, so the agent never waits for the disk: LMDB writes a
     * commit's pages with {@code pwrite} before the commit returns, and {@code mdb_env_sync} is an
     * {@code fdatasync} of the file that takes no lock, so every commit that had returned when it
     * started is on disk when it returns.
     */
    public long syncCommitted() {
        checkOpen();
        long upTo = lastCommitId;
        if (upTo == durableCommitId) {
            return upTo;
        }
        env.sync(true);
        synchronized (syncLock) {
            if (upTo > durableCommitId) {
                durableCommitId = upTo;
            }
        }
        return upTo;
    }

    /**
     * Writes a consistent, compacted copy of the environment into {@code target}, an empty existing
     * directory (LMDB's {@code mdb_copy -c}). It runs in a read transaction and may be called while
     * the node runs. The copy carries this directory's replica id: restore it in place of the
     * original, never beside it, or two replicas would share one id.
     */
    public void copyTo(Path target) {
        checkOpen();
        try {
            env.copy(target.toFile(), CopyFlags.MDB_CP_COMPACT);
        } catch (LmdbException e) {
            throw new StoreException("cannot copy store to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Fsyncs, closes the environment and releases the directory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            env.sync(true);
            durableCommitId = lastCommitId;
        } finally {
            env.close();
            try {
                lock.close();
            } catch (IOException e) {
                LOG.warn("cannot release lock of {}", dir, e);
            }
        }
    }

    // ---------------------------------------------------------------- commit

    long commit(List<Batch.Op> ops) {
        checkOpen();
        if (openReads.get()[0] > 0) {
            throw new IllegalStateException("commit from inside a forEachObject/forEachDelta callback");
        }
        if (ops.isEmpty()) {
            return lastCommitId;
        }
        while (true) {
            scratch.copyFrom(log);
            feedScratch.copyFrom(feedLog);
            try (Txn<byte[]> txn = env.txnWrite()) {
                apply(txn, ops, scratch, feedScratch);
                txn.commit();
                break;
            } catch (Env.MapFullException e) {
                growMap(e, ops.size());
            } catch (LmdbException e) {
                throw new StoreException("commit of " + ops.size() + " operations failed: " + e.getMessage(), e);
            }
        }
        log.copyFrom(scratch);
        feedLog.copyFrom(feedScratch);
        lastCommitId++;
        if (config.syncPolicy() != SyncPolicy.INTERVAL) {
            durableCommitId = lastCommitId;
        }
        return lastCommitId;
    }

    private void apply(Txn<byte[]> txn, List<Batch.Op> ops, DeltaLog log, DeltaLog feedLog) {
        boolean logChanged = false;
        boolean feedChanged = false;
        for (int i = 0, n = ops.size(); i < n; i++) {
            Batch.Op op = ops.get(i);
            switch (op.kind()) {
                case Batch.PUT_OBJECT -> objects.put(txn, op.key(), op.value());
                case Batch.DELETE_OBJECT -> objects.delete(txn, op.key());
                case Batch.PUT_META -> meta.put(txn, op.key(), op.value());
                case Batch.DELETE_META -> meta.delete(txn, op.key());
                case Batch.APPEND_DELTA -> {
                    if (op.seq() <= log.lastSeq) {
                        throw new IllegalArgumentException("delta sequence " + op.seq()
                                + " must be larger than the last one appended, " + log.lastSeq);
                    }
                    deltas.put(txn, u64(op.seq()), op.value(), PutFlags.MDB_APPEND);
                    log.appended(op.seq(), op.value().length);
                    logChanged = true;
                }
                case Batch.TRIM_DELTAS -> logChanged |= trim(txn, deltas, log, op.seq(),
                        config.maxDeltaLogEntries(), config.maxDeltaLogBytes());
                case Batch.APPEND_FEED -> {
                    if (op.seq() != feedLog.lastSeq + 1) {
                        throw new IllegalArgumentException("feed cursor " + op.seq()
                                + " must follow the last one appended, " + feedLog.lastSeq);
                    }
                    feed.put(txn, u64(op.seq()), op.value(), PutFlags.MDB_APPEND);
                    feedLog.appendedRecord(op.seq(), op.count(), op.value().length);
                    feedChanged = true;
                }
                default -> throw new IllegalStateException("unknown operation " + op.kind());
            }
        }
        logChanged |= trim(txn, deltas, log, 0, config.maxDeltaLogEntries(), config.maxDeltaLogBytes());
        if (logChanged) {
            meta.put(txn, StoreLayout.META_DELTA_LOG, StoreLayout.u64Pair(log.lastSeq, log.bytes));
        }
        feedChanged |= trimFeed(txn, feedLog, config.maxFeedEntries(), config.maxFeedBytes());
        if (feedChanged) {
            meta.put(txn, StoreLayout.META_FEED, StoreLayout.u64Pair(feedLog.lastSeq, feedLog.bytes));
        }
    }

    /**
     * Deletes entries of a log (the delta log or the feed) from the oldest end while they are older
     * than {@code beforeSeq} or the log is over its bounds. Returns whether it deleted any.
     */
    private static boolean trim(Txn<byte[]> txn, Dbi<byte[]> db, DeltaLog log, long beforeSeq,
                                long maxEntries, long maxBytes) {
        if (log.count == 0 || (log.firstSeq >= beforeSeq && log.count <= maxEntries && log.bytes <= maxBytes)) {
            return false;
        }
        try (Cursor<byte[]> c = db.openCursor(txn)) {
            for (boolean more = c.first(); more; more = c.first()) {
                long seq = u64(c.key());
                if (seq >= beforeSeq && log.count <= maxEntries && log.bytes <= maxBytes) {
                    log.firstSeq = seq;
                    return true;
                }
                log.bytes -= c.val().length;
                log.count--;
                c.delete();
            }
        }
        log.firstSeq = 0;
        return true;
    }

    /**
     * Drops whole records from the oldest end of the change feed while it holds more than
     * {@code maxEntries} changes or {@code maxBytes} of records. A record's changes are the cursors
     * from its key up to the next record's key (the feed has no gaps). Returns whether it dropped any.
     */
    private boolean trimFeed(Txn<byte[]> txn, DeltaLog log, long maxEntries, long maxBytes) {
        if (log.count <= maxEntries && log.bytes <= maxBytes) {
            return false;
        }
        try (Cursor<byte[]> c = feed.openCursor(txn)) {
            boolean more = c.first();
            while (more && (log.count > maxEntries || log.bytes > maxBytes)) {
                long first = u64(c.key());
                log.bytes -= c.val().length;
                c.delete();
                more = c.first();
                long next = more ? u64(c.key()) : log.lastSeq + 1;
                log.count -= next - first;
            }
            log.firstSeq = more ? u64(c.key()) : 0;
            if (!more) {
                log.count = 0;
                log.bytes = 0;
            }
        }
        return true;
    }

    private void readLog(Txn<byte[]> txn, Dbi<byte[]> db, byte[] metaKey, DeltaLog log) {
        byte[] v = meta.get(txn, metaKey);
        log.lastSeq = v == null ? 0 : u64(v, 0);
        log.bytes = v == null ? 0 : u64(v, Long.BYTES);
        log.count = db.stat(txn).entries;
        try (Cursor<byte[]> c = db.openCursor(txn)) {
            log.firstSeq = c.first() ? u64(c.key()) : 0;
        }
    }

    // ---------------------------------------------------------------- map size

    /**
     * LMDB cannot grow its map inside a transaction: the commit that hit MDB_MAP_FULL has been
     * aborted by now, so the map is doubled (up to the maximum) and the caller retries it.
     */
    private void growMap(Env.MapFullException cause, int ops) {
        long current = env.info().mapSize;
        long max = config.maxMapSizeBytes();
        if (current >= max) {
            throw new StoreFullException("store " + dir + " is full: a batch of " + ops
                    + " operations does not fit in the maximum map size of " + max + " bytes ("
                    + sizeBytes() + " bytes in use); raise StoreConfig.maxMapSizeBytes or delete data", cause);
        }
        long next = current > max / 2 ? max : current * 2;
        env.setMapSize(next);
        LOG.info("store {}: map grown from {} to {} bytes", dir, current, next);
    }

    /**
     * A data file larger than the configured map opens with a map of exactly its size, so the first
     * commit would be full: give it room up front, as much again as is in use.
     */
    private void growMapIfNearlyFull() {
        EnvInfo info = env.info();
        long used = (info.lastPageNumber + 1) * pageSizeBytes;
        long max = config.maxMapSizeBytes();
        if (used > info.mapSize / 2 && info.mapSize < max) {
            long next = used > max / 2 ? max : Math.max(info.mapSize, 2 * used);
            env.setMapSize(next);
        }
    }

    // ---------------------------------------------------------------- helpers

    private byte[] get(Dbi<byte[]> dbi, byte[] key) {
        checkOpen();
        try (Txn<byte[]> txn = env.txnRead()) {
            return dbi.get(txn, key);
        }
    }

    byte[] keyBytes(String what, String key) {
        Objects.requireNonNull(key, what);
        byte[] bytes = StoreLayout.utf8(key);
        if (bytes.length == 0 || bytes.length > maxKeyBytes) {
            throw new IllegalArgumentException(
                    what + " must be 1 to " + maxKeyBytes + " bytes of UTF-8, is " + bytes.length + ": " + key);
        }
        return bytes;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store " + dir + " is closed");
        }
    }

    /** Bounds of the delta log; a scratch copy is worked on during a commit and kept if it succeeds. */
    private static final class DeltaLog {
        long firstSeq;
        long lastSeq;
        long count;
        long bytes;

        void appended(long seq, int payloadBytes) {
            if (count == 0) {
                firstSeq = seq;
            }
            lastSeq = seq;
            count++;
            bytes += payloadBytes;
        }

        /** A change-feed record of {@code entries} entries from cursor {@code first}. */
        void appendedRecord(long first, int entries, int recordBytes) {
            if (count == 0) {
                firstSeq = first;
            }
            lastSeq = first + entries - 1;
            count += entries;
            bytes += recordBytes;
        }

        void copyFrom(DeltaLog other) {
            firstSeq = other.firstSeq;
            lastSeq = other.lastSeq;
            count = other.count;
            bytes = other.bytes;
        }
    }
}
