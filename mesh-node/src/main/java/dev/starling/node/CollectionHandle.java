package dev.starling.node;

import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Document;
import dev.starling.index.SearchHit;
import dev.starling.index.VectorIndex;
import dev.starling.index.encoder.ModelId;
import dev.starling.index.encoder.TextEncoder;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.CollectionState;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.Op;
import dev.starling.node.replication.Replicator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A named collection of documents: per id an embedding (replicated int8-quantized, concurrent
 * upserts averaged), a text and metadata (each read last-writer-wins), searchable by cosine
 * similarity through this node's vector index (see docs/embeddings.md).
 *
 * <p>Reads ({@link #get}, {@link #size}) go to the latest published state, lock-free.
 * {@link #search} asks this node's index, which follows the replica on its own thread (a few
 * milliseconds behind at most, {@link #indexed()} tells how many documents it holds). Writes
 * go to the replica agent like every other write. Upserts by text run the encoder on the calling
 * thread (about a millisecond per sentence on one core): do not call them from a latency-critical
 * loop.
 */
public final class CollectionHandle {

    /** Longest document text, in UTF-8 bytes (the encoder reads its first 256 tokens anyway). */
    public static final int MAX_TEXT_BYTES = 32 * 1024;
    /** Most metadata keys per document. */
    public static final int MAX_METADATA_KEYS = 64;
    /** Most bytes of metadata values per document, together. */
    public static final int MAX_METADATA_BYTES = 64 * 1024;

    private final Node node;
    private final ObjectCell cell;

    CollectionHandle(Node node, ObjectCell cell) {
        this.node = node;
        this.cell = cell;
    }

    public String name() {
        return cell.key.name();
    }

    /** Whether this node has seen the collection. */
    public boolean exists() {
        return cell.state() != null;
    }

    /** The current state (immutable), or null if the collection does not exist here. */
    public CollectionState state() {
        return (CollectionState) cell.state();
    }

    /** The collection's header (model and dimension); the bottom header while it has no vector. */
    public CollectionHeader header() {
        CollectionState s = state();
        return s == null ? CollectionHeader.bottom() : s.header();
    }

    /** The collection's model as {@code name@version}, or null while it has no vector. */
    public String model() {
        CollectionHeader h = header();
        return h.isBottom() ? null : Replicator.modelId(h.modelName(), h.model().fingerprint());
    }

    /** The dimension of the collection's vectors, 0 while it has none. */
    public int dimensions() {
        return header().dimensions();
    }

    /** Live documents in this replica. */
    public int size() {
        CollectionState s = state();
        return s == null ? 0 : s.size();
    }

    /** Documents in this node's index (equal to {@link #size()} once the index has caught up). */
    public int indexed() {
        VectorIndex idx = index();
        return idx == null ? 0 : idx.size();
    }

    /** Whether document {@code id} is in this node's index, i.e. searchable here. */
    public boolean isIndexed(String id) {
        VectorIndex idx = index();
        return idx != null && idx.contains(id);
    }

    private VectorIndex index() {
        CollectionIndexer ix = node.indexer();
        return ix == null ? null : ix.index(name());
    }

    /** The live document {@code id}, or null. */
    public Document<Value> get(String id) {
        CollectionState s = state();
        return s == null ? null : s.live(id);
    }

    // ---------------------------------------------------------------- writes

    /** Upserts by text with no metadata, acknowledged locally. */
    public CompletableFuture<WriteResult> upsertText(String id, String text) {
        return upsertText(id, text, Map.of(), AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    /**
     * Replaces document {@code id} with {@code text}, encoded here by the node's encoder, and
     * {@code metadata}. The encoder's model must be the collection's (or the collection must be new):
     * otherwise the future fails with a {@link dev.starling.node.replication.ModelMismatchException}.
     *
     * @throws IllegalStateException if the node runs without an encoder
     * @throws IllegalArgumentException for an empty, blank or over-long text, or bad metadata
     */
    public CompletableFuture<WriteResult> upsertText(String id, String text, Map<String, Value> metadata,
                                                     AckLevel ack, Duration timeout) {
        checkText(text);
        checkMetadata(metadata);
        TextEncoder encoder = encoder();
        float[] vector = encoder.embed(text);
        ModelId model = encoder.modelId();
        return node.write(new Op.DocUpsert(name(), id, vector, model.name(), model.fingerprint(), false, text,
            metadata), ack, timeout);
    }

    /** Upserts by vector, in the collection's model space (the first vector fixes the dimension). */
    public CompletableFuture<WriteResult> upsertVector(String id, float[] vector, Map<String, Value> metadata) {
        return upsertVector(id, vector, null, null, metadata, AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    /**
     * Replaces document {@code id} with {@code vector} (normalised and quantized here), an optional
     * {@code text} (stored, not encoded) and {@code metadata}. {@code model} ({@code name@version}) names
     * the model the vector comes from; null means the collection's. A model other than the
     * collection's moves the collection to it (a new generation: documents of the old model are not
     * searched until they are upserted again).
     *
     * @throws IllegalArgumentException for a vector with NaN, infinite or only zero components, a
     *     bad model id, or bad text or metadata; the future fails the same way for a dimension other
     *     than the collection's
     */
    public CompletableFuture<WriteResult> upsertVector(String id, float[] vector, String model, String text,
                                                       Map<String, Value> metadata, AckLevel ack, Duration timeout) {
        checkVector(vector);
        if (text != null) {
            checkText(text);
        }
        checkMetadata(metadata);
        ModelId m = model == null ? null : ModelId.parse(model);
        return node.write(new Op.DocUpsert(name(), id, vector.clone(), m == null ? null : m.name(),
            m == null ? 0 : m.fingerprint(), m != null, text, metadata), ack, timeout);
    }

    /** Deletes document {@code id} (what this replica has seen of it), acknowledged locally. */
    public CompletableFuture<WriteResult> delete(String id) {
        return delete(id, AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    public CompletableFuture<WriteResult> delete(String id, AckLevel ack, Duration timeout) {
        return node.write(new Op.DocDelete(name(), id), ack, timeout);
    }

    // ---------------------------------------------------------------- search

    /**
     * The {@code k} documents closest to {@code query} (cosine similarity, best first) in this node's
     * index; empty while the collection has no vector here.
     *
     * @throws IllegalArgumentException for k outside 1..10000, or a query of another dimension, with
     *     NaN or infinite components, or all zeros
     */
    public List<SearchHit> search(float[] query, int k) {
        checkVector(query);
        CollectionHeader h = header();
        if (!h.isBottom() && query.length != h.dimensions()) {
            throw new IllegalArgumentException("collection \"" + name() + "\" holds vectors of " + h.dimensions()
                + " dimensions, the query has " + query.length);
        }
        return node.indexer().search(name(), h, query, k);
    }

    /** As {@link #search(float[], int)}, for the embedding of {@code text} by this node's encoder. */
    public List<SearchHit> search(String text, int k) {
        checkText(text);
        return search(encoder().embed(text), k);
    }

    public Subscription subscribe(ChangeListener listener) {
        return cell.subscribe(listener);
    }

    ObjectKey key() {
        return cell.key;
    }

    // ---------------------------------------------------------------- checks

    private TextEncoder encoder() {
        TextEncoder e = node.config().encoder();
        if (e == null) {
            throw new IllegalStateException("this node runs without an encoder: give vectors, not text");
        }
        return e;
    }

    static void checkText(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("text must not be empty or blank");
        }
        if (text.length() > MAX_TEXT_BYTES || text.getBytes(StandardCharsets.UTF_8).length > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("text is over " + MAX_TEXT_BYTES + " UTF-8 bytes");
        }
    }

    static void checkVector(float[] vector) {
        if (vector == null || vector.length == 0) {
            throw new IllegalArgumentException("a vector must have at least one component");
        }
        if (vector.length > dev.starling.crdt.EmbeddingValue.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("a vector has at most " + dev.starling.crdt.EmbeddingValue.MAX_DIMENSIONS
                + " components: " + vector.length);
        }
        boolean nonZero = false;
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new IllegalArgumentException("vector component " + i + " is not a finite number: " + vector[i]);
            }
            nonZero |= vector[i] != 0;
        }
        if (!nonZero) {
            throw new IllegalArgumentException("the zero vector has no direction");
        }
    }

    static void checkMetadata(Map<String, Value> metadata) {
        if (metadata == null) {
            throw new IllegalArgumentException("metadata must not be null (use an empty map)");
        }
        if (metadata.size() > MAX_METADATA_KEYS) {
            throw new IllegalArgumentException("more than " + MAX_METADATA_KEYS + " metadata keys: " + metadata.size());
        }
        long bytes = 0;
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            Node.checkKey(e.getKey());
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata value of \"" + e.getKey() + "\" is null");
            }
            bytes += e.getValue().length();
        }
        if (bytes > MAX_METADATA_BYTES) {
            throw new IllegalArgumentException("metadata values are over " + MAX_METADATA_BYTES + " bytes together");
        }
    }
}
