package dev.starling.crdt;

import java.util.Objects;

/**
 * What a collection's documents have in common: the model their vectors come from (name and
 * {@link ModelVersion}) and the dimension of those vectors. Every upsert carries the header it was
 * checked against, and the join keeps one header for the whole collection:
 *
 * <ul>
 *   <li>the newest model wins ({@link ModelVersion} order: generation, then fingerprint), so moving
 *       a collection to a new model is one write of a later generation;</li>
 *   <li>for one model, the first write wins (lowest HLC, whose replica breaks ties): a collection's
 *       dimension is fixed by its first vector, also when two replicas write their first vectors
 *       concurrently with different dimensions; the losing side's documents stay stored but are not
 *       indexed.</li>
 * </ul>
 *
 * That is a total order, so the join (the greater header) is commutative, associative and
 * idempotent. The bottom header has no model.
 */
public final class CollectionHeader implements Crdt<CollectionHeader> {

    /** Longest model name, in characters. */
    public static final int MAX_MODEL_NAME = 128;

    private static final CollectionHeader BOTTOM = new CollectionHeader(null, "", 0, null);

    private final ModelVersion model;
    private final String modelName;
    private final int dimensions;
    private final Hlc created;

    private CollectionHeader(ModelVersion model, String modelName, int dimensions, Hlc created) {
        this.model = model;
        this.modelName = modelName;
        this.dimensions = dimensions;
        this.created = created;
    }

    public static CollectionHeader bottom() {
        return BOTTOM;
    }

    /**
     * @throws IllegalArgumentException for a dimension outside 1..{@link EmbeddingValue#MAX_DIMENSIONS}
     *     or a model name that is empty, too long or holds control characters
     */
    public static CollectionHeader of(ModelVersion model, String modelName, int dimensions, Hlc created) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(created, "created");
        checkModelName(modelName);
        if (dimensions < 1 || dimensions > EmbeddingValue.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("dimension must be 1.." + EmbeddingValue.MAX_DIMENSIONS + ": "
                + dimensions);
        }
        return new CollectionHeader(model, modelName, dimensions, created);
    }

    /** Checks a model name: 1..128 characters, none of them a control character or '@'. */
    public static void checkModelName(String name) {
        Objects.requireNonNull(name, "model name");
        if (name.isEmpty() || name.length() > MAX_MODEL_NAME) {
            throw new IllegalArgumentException("model name must be 1.." + MAX_MODEL_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == '@') {
                throw new IllegalArgumentException("model name holds a control character or '@'");
            }
        }
    }

    /** The model, or null for the bottom header. */
    public ModelVersion model() {
        return model;
    }

    public String modelName() {
        return modelName;
    }

    /** The vectors' dimension, 0 for the bottom header. */
    public int dimensions() {
        return dimensions;
    }

    /** The HLC of the first write with this model, or null for the bottom header. */
    public Hlc created() {
        return created;
    }

    @Override
    public boolean isBottom() {
        return model == null;
    }

    /** Whether this header wins over {@code other} in the join. */
    private boolean dominates(CollectionHeader other) {
        int c = model.compareTo(other.model);
        if (c != 0) {
            return c > 0;
        }
        c = created.compareTo(other.created);
        if (c != 0) {
            return c < 0;
        }
        c = Integer.compare(dimensions, other.dimensions);
        return c != 0 ? c > 0 : modelName.compareTo(other.modelName) >= 0;
    }

    @Override
    public CollectionHeader merge(CollectionHeader other) {
        if (other.isBottom() || other == this) {
            return this;
        }
        if (isBottom()) {
            return other;
        }
        return dominates(other) ? this : other;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CollectionHeader)) {
            return false;
        }
        CollectionHeader h = (CollectionHeader) o;
        return dimensions == h.dimensions && Objects.equals(model, h.model) && modelName.equals(h.modelName)
            && Objects.equals(created, h.created);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, modelName, dimensions, created);
    }

    @Override
    public String toString() {
        return isBottom() ? "CollectionHeader⊥"
            : "CollectionHeader{" + modelName + "@" + model + ", dims=" + dimensions + ", created=" + created + "}";
    }
}
