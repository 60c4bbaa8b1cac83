package dev.starling.node;

import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Document;
import dev.starling.index.CollectionIndex;
import dev.starling.index.IndexConfig;
import dev.starling.index.SearchHit;
import dev.starling.index.VectorIndex;
import dev.starling.node.replication.CollectionState;
import dev.starling.node.replication.ObjectKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link CollectionIndex} per collection in step with the replica, on its own thread (an
 * HNSW insert takes a fraction of a millisecond: far too long for the replica agent).
 *
 * <p>It follows the change feed: for each change of a document it reads the document's current,
 * published state and upserts its resolved vector, or removes it when the document is deleted or
 * not of the collection's model and dimension. Reading the current state rather than the change
 * makes replays harmless and lets a late reader skip straight to the truth. A change of a
 * collection's header (a new model) rebuilds that collection's index from the replica. The agent
 * publishes states before it advances the feed, so a change read from the feed is always visible
 * in the state.
 *
 * <p>Snapshots: each index is saved to {@code <data>/index/coll-<name>.hnsw} with the feed cursor it
 * reflects, every {@link #SAVE_INTERVAL_NS} when changed and at close. At start a snapshot of the
 * collection's current model and dimension is loaded and only the changes after its cursor are
 * replayed; without one (or when the feed no longer holds the changes after it) the index is built
 * from the replica.
 */
final class CollectionIndexer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CollectionIndexer.class);
    static final long SAVE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int PAGE = ChangeFeed.MAX_PAGE;

    private final ChangeFeed feed;
    private final Function<String, CollectionState> states;
    private final Path dir;
    private final Function<IndexConfig, IndexConfig> tuning;
    private final Map<String, CollectionIndex> indexes = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    /** Collections whose index came from its snapshot at start (not rebuilt). */
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();
    private final Subscription subscription;
    private final Set<String> known;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long position;
    /** The highest published cursor of a collection change (written before {@link #published}). */
    private volatile long relevantUpTo;
    /** The highest published cursor. */
    private volatile long published;
    private volatile Throwable failure;
    private long lastSaveNs = System.nanoTime();

    /**
     * @param states the published state of a collection by name, or null
     * @param known  the collections this node holds at start
     * @param tuning the index parameters for a collection's model and dimension
     */
    CollectionIndexer(String nodeName, ChangeFeed feed, Function<String, CollectionState> states, Set<String> known,
                      Path dir, Function<IndexConfig, IndexConfig> tuning) {
        this.feed = feed;
        this.states = states;
        this.dir = dir;
        this.tuning = tuning;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the index directory " + dir, e);
        }
        this.known = Set.copyOf(known);
        // everything published before now may concern a collection: read it once at start
        this.relevantUpTo = feed.lastCursor();
        feed.hook(this::onCycle);
        this.subscription = () -> feed.hook(null);
        this.thread = new Thread(this::run, "starling-indexer-" + nodeName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Opens the indexes of the collections held at start, on the indexer thread (a rebuild of a
     * large collection takes minutes; the node serves everything else meanwhile, and searches of
     * that collection answer from nothing until it is open).
     */
    private void openAll() {
        long start = feed.lastCursor();
        long from = start;
        for (String name : known) {
            CollectionIndex ci = open(name, start);
            if (ci != null) {
                indexes.put(name, ci);
                from = Math.min(from, ci.watermark());
            }
        }
        position = from;
    }

    /** The feed cursor up to which every collection's index is current. */
    long position() {
        return position;
    }

    /** Whether {@code collection}'s index was loaded from its snapshot at start rather than rebuilt. */
    boolean loadedFromSnapshot(String collection) {
        return loaded.contains(collection);
    }

    /** The index of {@code collection}, or null if it has none yet (no vector, or not caught up). */
    VectorIndex index(String collection) {
        CollectionIndex ci = indexes.get(collection);
        return ci == null ? null : ci.index();
    }

    /**
     * Searches {@code collection}'s index with a query the caller has checked against the collection's
     * {@code header}. An index of another model or dimension is one about to be rebuilt for a new
     * model: it answers nothing (its vectors are of another space) until the rebuilt one is swapped in.
     */
    List<SearchHit> search(String collection, CollectionHeader header, float[] query, int k) {
        if (k < 1 || k > VectorIndex.MAX_K) {
            throw new IllegalArgumentException("k must be 1.." + VectorIndex.MAX_K + ": " + k);
        }
        VectorIndex idx = index(collection);
        if (idx == null || header.isBottom() || query.length != idx.dimensions()
                || !idx.config().model().equals(header.model())) {
            return List.of();
        }
        return idx.search(query, k);
    }

    /**
     * Agent thread: notes how far the feed goes and whether this cycle touched a collection; only
     * then is the indexer woken (a node busy with maps costs it nothing).
     */
    private void onCycle(long firstCursor, List<dev.starling.node.replication.Change> changes) {
        long last = firstCursor + changes.size() - 1;
        for (int i = changes.size() - 1; i >= 0; i--) {
            if (changes.get(i).object().kind() == ObjectKind.COLLECTION) {
                relevantUpTo = firstCursor + i;
                published = last;
                wake();
                return;
            }
        }
        published = last;
    }

    private void wake() {
        LockSupport.unpark(thread);
    }

    // ---------------------------------------------------------------- the indexer thread

    private void run() {
        try {
            openAll();
        } catch (RuntimeException | Error e) {
            LOG.error("opening the indexes failed; building them from the replica", e);
            rebuildAll(known);
        }
        while (running) {
            try {
                if (!step()) {
                    saveIfDue(false);
                    LockSupport.parkNanos(this, IDLE_PARK_NS);
                }
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    LOG.error("indexer failed; retrying from the replica", e);
                }
                failure = e;
                rebuildAll();
                LockSupport.parkNanos(this, IDLE_PARK_NS);
            }
        }
        saveIfDue(true);
    }

    /** Applies one page of the feed; returns whether there was anything. */
    private boolean step() {
        long pos = position;
        long upTo = published; // read before relevantUpTo, which the agent writes first
        if (relevantUpTo <= pos) {
            if (upTo > pos) {
                position = upTo; // nothing of a collection in (pos, upTo]: nothing to read
            }
            return false;
        }
        long first = feed.firstCursor();
        if (first > pos + 1 && feed.lastCursor() > pos) {
            LOG.warn("the change feed dropped entries {}..{} before the indexer read them: rebuilding from the replica",
                pos + 1, first - 1);
            rebuildAll();
            return true;
        }
        List<ChangeFeed.Entry> page = feed.read(pos, PAGE);
        if (page.isEmpty()) {
            return false;
        }
        for (ChangeFeed.Entry e : page) {
            if (e.object().kind() == ObjectKind.COLLECTION) {
                apply(e);
            }
            pos = e.cursor();
        }
        position = pos;
        failure = null;
        return true;
    }

    private void apply(ChangeFeed.Entry e) {
        String name = e.object().name();
        CollectionState state = states.apply(name);
        if (state == null || state.header().isBottom()) {
            return; // documents before their header: the header's change rebuilds
        }
        CollectionHeader h = state.header();
        CollectionIndex ci = indexes.get(name);
        if (ci == null || !matches(ci, h)) {
            rebuild(name, state, e.cursor());
            return;
        }
        if (e.cursor() <= ci.watermark()) {
            return;
        }
        if (e.key() == null) {
            ci.advanceTo(e.cursor());
            return;
        }
        Document<Value> doc = state.live(e.key());
        if (doc != null && h.model().equals(doc.model()) && doc.dimensions() == h.dimensions()) {
            ci.upsert(e.cursor(), e.key(), doc.vector());
        } else {
            ci.remove(e.cursor(), e.key());
        }
        dirty.add(name);
    }

    private static boolean matches(CollectionIndex ci, CollectionHeader h) {
        IndexConfig c = ci.index().config();
        return c.model().equals(h.model()) && c.dimensions() == h.dimensions();
    }

    /** Builds {@code name}'s index from the replica aside and swaps it in, at feed cursor {@code at}. */
    private void rebuild(String name, CollectionState state, long at) {
        CollectionHeader h = state.header();
        IndexConfig config = tuning.apply(IndexConfig.of(h.dimensions(), h.model()));
        List<Map.Entry<String, float[]>> vectors = new ArrayList<>(state.size());
        state.forEach((id, doc) -> {
            if (doc.isLive() && h.model().equals(doc.model()) && doc.dimensions() == h.dimensions()) {
                vectors.add(new AbstractMap.SimpleImmutableEntry<>(id, doc.vector()));
            }
        });
        VectorIndex built = VectorIndex.create(config);
        if (!vectors.isEmpty()) {
            built.upsertAll(vectors, 1);
        }
        CollectionIndex ci = indexes.get(name);
        if (ci == null) {
            try {
                ci = CollectionIndex.open(snapshot(name), config);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            indexes.put(name, ci);
        }
        ci.replaceWith(built, at);
        dirty.add(name);
        LOG.info("index of collection {} built from the replica: {} vectors, model {}, {} dimensions", name,
            vectors.size(), h.modelName(), h.dimensions());
    }

    /** Every collection indexed here rebuilt from the replica, at the feed's current end. */
    private void rebuildAll() {
        rebuildAll(new ArrayList<>(indexes.keySet()));
    }

    /** The collections {@code names} rebuilt from the replica, at the feed's current end. */
    private void rebuildAll(java.util.Collection<String> names) {
        long at = feed.lastCursor();
        for (String name : names) {
            CollectionState s = states.apply(name);
            try {
                if (s != null && !s.header().isBottom()) {
                    rebuild(name, s, at);
                }
            } catch (RuntimeException ex) {
                LOG.error("cannot build the index of {}: its searches answer nothing", name, ex);
            }
        }
        position = at;
    }

    /** Opens a collection's index at start: its snapshot if usable, else built from the replica. */
    private CollectionIndex open(String name, long start) {
        CollectionState state = states.apply(name);
        if (state == null || state.header().isBottom()) {
            return null;
        }
        CollectionHeader h = state.header();
        IndexConfig config = tuning.apply(IndexConfig.of(h.dimensions(), h.model()));
        CollectionIndex ci;
        try {
            ci = CollectionIndex.open(snapshot(name), config);
        } catch (IOException e) {
            LOG.warn("cannot read the index snapshot of {}: {}; building from the replica", name, e.getMessage());
            ci = null;
        }
        boolean usable = ci != null && ci.opened() == CollectionIndex.Opened.LOADED && ci.watermark() <= start
            && ci.watermark() >= feed.firstCursor() - 1;
        if (usable) {
            LOG.info("index of collection {} loaded: {} vectors at cursor {}", name, ci.index().size(), ci.watermark());
            loaded.add(name);
            return ci;
        }
        indexes.put(name, ci != null ? ci : fresh(name, config));
        rebuild(name, state, start);
        return indexes.get(name);
    }

    private CollectionIndex fresh(String name, IndexConfig config) {
        try {
            Files.deleteIfExists(snapshot(name));
            return CollectionIndex.open(snapshot(name), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path snapshot(String name) {
        return dir.resolve("coll-" + name + ".hnsw");
    }

    private void saveIfDue(boolean force) {
        if (dirty.isEmpty() || (!force && System.nanoTime() - lastSaveNs < SAVE_INTERVAL_NS)) {
            return;
        }
        for (String name : new ArrayList<>(dirty)) {
            dirty.remove(name);
            CollectionIndex ci = indexes.get(name);
            try {
                if (ci != null) {
                    ci.save();
                }
            } catch (IOException e) {
                LOG.warn("cannot save the index of {}: {}", name, e.getMessage());
            }
        }
        lastSaveNs = System.nanoTime();
    }

    /** Stops the thread after its current page and saves what changed. */
    @Override
    public void close() {
        running = false;
        subscription.close();
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("indexer thread did not stop within 30 s");
        }
    }
}
