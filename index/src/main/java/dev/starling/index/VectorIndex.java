package dev.starling.index;

import com.github.jelmerk.hnswlib.core.SearchResult;
import com.github.jelmerk.hnswlib.core.hnsw.HnswIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One collection's vector index on one node: document id -> unit vector, searched by cosine
 * similarity. An HNSW graph [1] (hnswlib-core) answers approximate k-nearest-neighbour queries; at or
 * below {@link IndexConfig#exactThreshold()} vectors the query is compared with every vector instead
 * (exact, and as fast at that size).
 *
 * <p><b>Threads.</b> One writer, any number of searchers. {@link #upsert}, {@link #remove},
 * {@link #upsertAll}, {@link #save} and {@link #setEf} must be called from one thread at a time (the
 * node's agent); {@link #search}, {@link #searchExact}, {@link #size} and {@link #contains} may be
 * called from any thread, concurrently with the writer and each other. A search that runs during a
 * write may or may not see it (it may still return a document being removed), never a torn vector.
 *
 * <p><b>Updates.</b> hnswlib removes by marking a node deleted: the node stays in the graph (it still
 * routes searches, it is never returned). Replacing a vector is a removal plus an insert. When the
 * deleted nodes outnumber the live ones (and are more than {@value #COMPACT_MIN_DELETED}), the writer
 * rebuilds the graph from the live vectors; searches keep using the old graph until the new one is
 * swapped in.
 *
 * <p><b>Input.</b> Vectors are checked (dimension, finite components, not zero) and normalised on the
 * way in, queries too; a bad vector is an {@link IllegalArgumentException} and nothing is stored.
 *
 * <p><b>Persistence.</b> {@link #save(Path, long)} writes the graph with the store watermark it reflects
 * ({@link SnapshotFile} has the format); {@link #load(Path)} returns it with that watermark, from which
 * the node replays the store's changes.
 *
 * <p>[1] Yu. A. Malkov, D. A. Yashunin, <i>Efficient and robust approximate nearest neighbor search
 * using Hierarchical Navigable Small World graphs</i>, IEEE TPAMI 2020.
 */
public final class VectorIndex {

    /** Largest id, in UTF-8 bytes (the HTTP API's key limit). */
    public static final int MAX_ID_BYTES = 1024;
    /** Largest k a search accepts. */
    public static final int MAX_K = 10_000;
    static final int COMPACT_MIN_DELETED = 1024;
    private static final int INITIAL_CAPACITY = 1024;

    private static final Comparator<SearchHit> BEST_FIRST =
        Comparator.comparing(SearchHit::score).reversed().thenComparing(SearchHit::id);

    private final IndexConfig config;
    private final int dimensions;
    private final ConcurrentHashMap<String, IndexedVector> live;
    /** Guards the graph's arrays: searches read-lock, a capacity change write-locks (see {@link #ensureCapacity}). */
    private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
    private volatile HnswIndex<String, float[], IndexedVector, Float> graph;
    /** Nodes in the current graph, deleted ones included. Writer only. */
    private int graphNodes;
    private volatile int ef;
    private long rebuilds;

    private VectorIndex(IndexConfig config, HnswIndex<String, float[], IndexedVector, Float> graph,
                        ConcurrentHashMap<String, IndexedVector> live, int graphNodes) {
        this.config = config;
        this.dimensions = config.dimensions();
        this.graph = graph;
        this.live = live;
        this.graphNodes = graphNodes;
        this.ef = config.ef();
    }

    /** An empty index. */
    public static VectorIndex create(IndexConfig config) {
        Objects.requireNonNull(config, "config");
        return new VectorIndex(config, newGraph(config, INITIAL_CAPACITY), new ConcurrentHashMap<>(), 0);
    }

    private static HnswIndex<String, float[], IndexedVector, Float> newGraph(IndexConfig config, int capacity) {
        return HnswIndex.newBuilder(config.dimensions(), new UnitDotDistance(), capacity)
            .withM(config.m())
            .withEfConstruction(config.efConstruction())
            .withEf(config.ef())
            .withRemoveEnabled()
            .withCustomSerializers(new HnswSerializers.Ids(), new HnswSerializers.Items())
            .build();
    }

    public IndexConfig config() {
        return config;
    }

    public int dimensions() {
        return dimensions;
    }

    /** Live vectors. */
    public int size() {
        return live.size();
    }

    public boolean contains(String id) {
        return live.containsKey(id);
    }

    /** The stored (unit) vector of {@code id}, a copy, or null. */
    public float[] vector(String id) {
        IndexedVector v = live.get(id);
        return v == null ? null : v.vector().clone();
    }

    /** Nodes in the graph, deleted ones included (they are reclaimed by a rebuild). */
    public int graphNodes() {
        return graphNodes;
    }

    /** How many times the graph was rebuilt to drop deleted nodes. */
    public long rebuilds() {
        return rebuilds;
    }

    /** The search candidate list size now in use. */
    public int ef() {
        return ef;
    }

    /**
     * Changes the search candidate list size (the recall/latency knob) without rebuilding. Writer only.
     */
    public void setEf(int newEf) {
        if (newEf < 1 || newEf > 10_000) {
            throw new IllegalArgumentException("ef must be 1..10000: " + newEf);
        }
        this.ef = newEf;
        graph.setEf(newEf);
    }

    /**
     * Inserts or replaces the vector of {@code id}. The vector is checked and normalised (a copy is
     * kept). Writer only.
     *
     * @throws IllegalArgumentException for a bad id or vector; the index is then unchanged
     */
    public void upsert(String id, float[] vector) {
        checkId(id);
        float[] unit = Vectors.checkedUnitCopy(vector, dimensions, "vector of '" + id + "'");
        IndexedVector old = live.get(id);
        if (old != null && Arrays.equals(old.vector(), unit)) {
            return;
        }
        insert(new IndexedVector(id, unit));
    }

    /**
     * Inserts or replaces many vectors, building with {@code threads} threads (for a rebuild or a first
     * load). All vectors are checked before any is stored. Writer only.
     */
    public void upsertAll(Collection<? extends Map.Entry<String, float[]>> entries, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        List<IndexedVector> items = new ArrayList<>(entries.size());
        for (Map.Entry<String, float[]> e : entries) {
            checkId(e.getKey());
            items.add(new IndexedVector(e.getKey(), Vectors.checkedUnitCopy(e.getValue(), dimensions,
                "vector of '" + e.getKey() + "'")));
        }
        ensureCapacity(graphNodes + items.size());
        try {
            graph.addAll(items, threads, (done, max) -> { }, Integer.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the index", e);
        }
        for (IndexedVector item : items) {
            IndexedVector old = live.put(item.id(), item);
            graphNodes += old != null && Arrays.equals(old.vector(), item.vector()) ? 0 : 1;
        }
        compactIfNeeded();
    }

    private void insert(IndexedVector item) {
        ensureCapacity(graphNodes + 1);
        graph.add(item);
        graphNodes++;
        live.put(item.id(), item);
        compactIfNeeded();
    }

    /**
     * Removes {@code id}; returns whether it was there. Writer only.
     */
    public boolean remove(String id) {
        Objects.requireNonNull(id, "id");
        IndexedVector old = live.remove(id);
        if (old == null) {
            return false;
        }
        graph.remove(id, 0);
        compactIfNeeded();
        return true;
    }

    /**
     * The {@code k} stored vectors most similar to {@code query} (cosine), best first; fewer if the
     * index holds fewer. Approximate above {@link IndexConfig#exactThreshold()} vectors. Any thread.
     *
     * @throws IllegalArgumentException for a bad query vector or k outside 1..{@value #MAX_K}
     */
    public List<SearchHit> search(float[] query, int k) {
        float[] q = checkQuery(query, k);
        if (live.size() <= config.exactThreshold()) {
            return exact(q, k);
        }
        List<SearchResult<IndexedVector, Float>> found;
        resizeLock.readLock().lock();
        try {
            found = graph.findNearest(q, k);
        } finally {
            resizeLock.readLock().unlock();
        }
        List<SearchHit> hits = new ArrayList<>(found.size());
        for (SearchResult<IndexedVector, Float> r : found) {
            hits.add(new SearchHit(r.item().id(), 1f - r.distance()));
        }
        hits.sort(BEST_FIRST);
        return hits;
    }

    /** Exact k-nearest search over every live vector, whatever the size: the ground truth. Any thread. */
    public List<SearchHit> searchExact(float[] query, int k) {
        return exact(checkQuery(query, k), k);
    }

    private float[] checkQuery(float[] query, int k) {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k must be 1.." + MAX_K + ": " + k);
        }
        return Vectors.checkedUnitCopy(query, dimensions, "query vector");
    }

    private List<SearchHit> exact(float[] q, int k) {
        PriorityQueue<SearchHit> top = new PriorityQueue<>(k + 1, BEST_FIRST.reversed());
        for (IndexedVector v : live.values()) {
            SearchHit h = new SearchHit(v.id(), Vectors.dot(q, v.vector()));
            if (top.size() < k) {
                top.add(h);
            } else if (BEST_FIRST.compare(h, top.peek()) < 0) {
                top.poll();
                top.add(h);
            }
        }
        List<SearchHit> hits = new ArrayList<>(top);
        hits.sort(BEST_FIRST);
        return hits;
    }

    /**
     * Writes a snapshot of the index, tagged with the store {@code watermark} it reflects, atomically
     * replacing {@code file}. Writer only (searches may go on).
     */
    public void save(Path file, long watermark) throws IOException {
        SnapshotFile.write(file, new SnapshotFile.Header(watermark, config.withEf(ef), live.size(), graphNodes), graph);
    }

    /** An index read back from a snapshot, with the store watermark it reflects. */
    public record Loaded(VectorIndex index, long watermark) {
    }

    /**
     * Reads a snapshot written by {@link #save}. The node then applies the store's changes after
     * {@link Loaded#watermark()}, and rebuilds instead if {@code index().config().model()} is not the
     * collection's current model.
     *
     * @throws CorruptSnapshotException if the file is not a sound snapshot of this format
     * @throws IOException if it cannot be read
     */
    public static Loaded load(Path file) throws IOException {
        SnapshotFile.Loaded s = SnapshotFile.read(file);
        IndexConfig config = s.header().config();
        HnswIndex<String, float[], IndexedVector, Float> graph = s.graph();
        if (graph.getDimensions() != config.dimensions() || graph.getM() != config.m()) {
            throw new CorruptSnapshotException(file + ": graph (dims " + graph.getDimensions() + ", M " + graph.getM()
                + ") does not match its header (dims " + config.dimensions() + ", M " + config.m() + ")");
        }
        ConcurrentHashMap<String, IndexedVector> live = new ConcurrentHashMap<>();
        for (IndexedVector v : graph.items()) {
            if (v.vector().length != config.dimensions()) {
                throw new CorruptSnapshotException(file + ": vector of '" + v.id() + "' has " + v.vector().length
                    + " dimensions, the header says " + config.dimensions());
            }
            live.put(v.id(), v);
        }
        if (live.size() != s.header().liveCount()) {
            throw new CorruptSnapshotException(file + ": " + live.size() + " live vectors, the header says "
                + s.header().liveCount());
        }
        graph.setEf(config.ef());
        int nodes = Math.max(live.size(), s.header().graphNodes());
        return new Loaded(new VectorIndex(config, graph, live, nodes), s.header().watermark());
    }

    private void ensureCapacity(int needed) {
        int capacity = graph.getMaxItemCount();
        if (needed <= capacity) {
            return;
        }
        int newCapacity = capacity;
        while (newCapacity < needed) {
            newCapacity = newCapacity > (1 << 29) ? Integer.MAX_VALUE - 8 : newCapacity * 2;
        }
        resizeLock.writeLock().lock();
        try {
            graph.resize(newCapacity);
        } finally {
            resizeLock.writeLock().unlock();
        }
    }

    private void compactIfNeeded() {
        int deleted = graphNodes - live.size();
        if (deleted > COMPACT_MIN_DELETED && deleted > live.size()) {
            rebuild();
        }
    }

    /** Replaces the graph by one built from the live vectors only. Writer only. */
    void rebuild() {
        HnswIndex<String, float[], IndexedVector, Float> fresh =
            newGraph(config, Math.max(INITIAL_CAPACITY, live.size() * 2));
        fresh.setEf(ef);
        for (IndexedVector v : live.values()) {
            fresh.add(v);
        }
        graph = fresh;
        graphNodes = live.size();
        rebuilds++;
    }

    private static void checkId(String id) {
        if (id == null) {
            throw new IllegalArgumentException("id is null");
        }
        if (id.length() > MAX_ID_BYTES || id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("id is over " + MAX_ID_BYTES + " bytes of UTF-8");
        }
    }
}
