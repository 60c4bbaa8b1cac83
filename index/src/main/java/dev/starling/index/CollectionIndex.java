package dev.starling.index;

import dev.starling.crdt.EmbeddingValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One collection's index as the node keeps it: a {@link VectorIndex} fed from the store's change
 * stream, with the position of the last change applied (the watermark) and a snapshot file.
 *
 * <ol>
 *   <li>{@link #open} at start: loads the snapshot if it is sound and was built for the collection's
 *       current model and dimension; otherwise starts empty. {@link #watermark()} then says where to
 *       replay the change stream from (0: from the start, i.e. a rebuild).</li>
 *   <li>For each change after the watermark, in store order: {@link #upsert} (the document's resolved
 *       vector changed) or {@link #remove} (the document was deleted), with the change's position.</li>
 *   <li>{@link #save()} now and then and at shutdown; {@link #reset} when the collection's model
 *       changes (everything is re-indexed from the store).</li>
 * </ol>
 *
 * Applying a change twice is harmless (upserts and removes are idempotent), so a watermark a little
 * behind is safe; positions must not go backwards. Writer-thread only, like the index's writes;
 * {@link #index()}{@code .search} may be called from any thread.
 */
public final class CollectionIndex {

    private static final Logger LOG = LoggerFactory.getLogger(CollectionIndex.class);

    /** How {@link #open} found the snapshot. */
    public enum Opened {
        /** Loaded; replay the changes after {@link #watermark()}. */
        LOADED,
        /** No snapshot file: start from the beginning of the change stream. */
        NO_SNAPSHOT,
        /** The snapshot was built for another model: rebuild. */
        MODEL_CHANGED,
        /** The snapshot holds vectors of another dimension: rebuild. */
        DIMENSIONS_CHANGED,
        /** The snapshot is unreadable or damaged: rebuild. */
        CORRUPT
    }

    private final Path snapshot;
    private volatile VectorIndex index;
    private long watermark;
    private final Opened opened;
    private long skippedOtherModel;

    private CollectionIndex(Path snapshot, VectorIndex index, long watermark, Opened opened) {
        this.snapshot = snapshot;
        this.index = index;
        this.watermark = watermark;
        this.opened = opened;
    }

    /**
     * Opens the index of a collection whose current model and dimension are in {@code config}. Never
     * fails on a bad snapshot: it starts empty instead and says why in {@link #opened()}.
     *
     * @throws IOException only if the snapshot exists but cannot be read at all (permissions, I/O)
     */
    public static CollectionIndex open(Path snapshot, IndexConfig config) throws IOException {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(config, "config");
        if (!Files.exists(snapshot)) {
            return fresh(snapshot, config, Opened.NO_SNAPSHOT);
        }
        try {
            SnapshotFile.Header header = SnapshotFile.readHeader(snapshot);
            if (!header.config().model().equals(config.model())) {
                LOG.info("index snapshot {} is for model {}, the collection's is {}: rebuilding", snapshot,
                    header.config().model(), config.model());
                return fresh(snapshot, config, Opened.MODEL_CHANGED);
            }
            if (header.config().dimensions() != config.dimensions()) {
                LOG.info("index snapshot {} has {} dimensions, the collection {}: rebuilding", snapshot,
                    header.config().dimensions(), config.dimensions());
                return fresh(snapshot, config, Opened.DIMENSIONS_CHANGED);
            }
            VectorIndex.Loaded loaded = VectorIndex.load(snapshot);
            return new CollectionIndex(snapshot, loaded.index(), loaded.watermark(), Opened.LOADED);
        } catch (CorruptSnapshotException e) {
            LOG.warn("index snapshot unusable, rebuilding: {}", e.getMessage());
            return fresh(snapshot, config, Opened.CORRUPT);
        } catch (NoSuchFileException e) {
            return fresh(snapshot, config, Opened.NO_SNAPSHOT);
        }
    }

    private static CollectionIndex fresh(Path snapshot, IndexConfig config, Opened why) {
        return new CollectionIndex(snapshot, VectorIndex.create(config), 0, why);
    }

    /** What {@link #open} found. */
    public Opened opened() {
        return opened;
    }

    /** Position of the last change applied (0: none); replay the store's changes after it. */
    public long watermark() {
        return watermark;
    }

    public VectorIndex index() {
        return index;
    }

    /** Embeddings ignored by {@link #upsert(long, String, EmbeddingValue)} because of another model. */
    public long skippedOtherModel() {
        return skippedOtherModel;
    }

    /**
     * A document's resolved vector changed at store position {@code position}.
     *
     * @throws IllegalArgumentException for a bad vector (nothing is stored, the watermark stays) or a
     *     position before the watermark
     */
    public void upsert(long position, String id, float[] vector) {
        checkPosition(position);
        index.upsert(id, vector);
        watermark = position;
    }

    /**
     * A document's resolved embedding changed: indexed if it is of the index's model, otherwise
     * skipped (vectors of different models are not comparable; the node rebuilds with {@link #reset}
     * when the collection moves to a new model). Returns whether it was indexed.
     */
    public boolean upsert(long position, String id, EmbeddingValue value) {
        checkPosition(position);
        if (!value.model().equals(index.config().model())) {
            skippedOtherModel++;
            watermark = position;
            return false;
        }
        index.upsert(id, value.dequantize());
        watermark = position;
        return true;
    }

    /** A document was deleted at {@code position}. */
    public void remove(long position, String id) {
        checkPosition(position);
        index.remove(id);
        watermark = position;
    }

    /** Writes the snapshot with the current watermark (atomically replacing the previous one). */
    public void save() throws IOException {
        index.save(snapshot, watermark);
    }

    /**
     * Drops everything for a new model or dimension: the index is empty, the watermark 0, and the
     * node replays the collection from the start.
     */
    public void reset(IndexConfig config) {
        Objects.requireNonNull(config, "config");
        index = VectorIndex.create(config);
        watermark = 0;
        skippedOtherModel = 0;
    }

    /**
     * Swaps in {@code built}, an index built aside (for example from the whole replica after a model
     * change or a gap in the change stream), reflecting the store up to {@code watermark}. Searches
     * use the old index until the swap, never a half-built one.
     */
    public void replaceWith(VectorIndex built, long watermark) {
        Objects.requireNonNull(built, "built");
        if (watermark < 0) {
            throw new IllegalArgumentException("watermark must be >= 0: " + watermark);
        }
        index = built;
        this.watermark = watermark;
        skippedOtherModel = 0;
    }

    /** Moves the watermark to {@code position}: the changes up to it concern nothing this index holds. */
    public void advanceTo(long position) {
        checkPosition(position);
        watermark = position;
    }

    private void checkPosition(long position) {
        if (position < watermark) {
            throw new IllegalArgumentException("change position " + position + " is before the watermark " + watermark
                + ": changes must be applied in store order");
        }
    }
}
