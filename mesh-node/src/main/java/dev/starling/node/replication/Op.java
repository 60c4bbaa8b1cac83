package dev.starling.node.replication;

import dev.starling.node.Value;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A local operation on one object, as the API hands it to the replica agent. The agent's
 * {@link Replicator} turns it into a delta with the node's clock and causal context.
 */
public sealed interface Op {

    ObjectKey object();

    /** Sets {@code key} of a map to {@code value} (LWW). */
    record MapPut(String name, String key, Value value) implements Op {
        public MapPut {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public ObjectKey object() {
            return new ObjectKey(ObjectKind.MAP, name);
        }
    }

    /** Removes {@code key} from a map (an LWW tombstone). */
    record MapRemove(String name, String key) implements Op {
        public MapRemove {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public ObjectKey object() {
            return new ObjectKey(ObjectKind.MAP, name);
        }
    }

    /** Adds and removes elements of an add-wins OR-set in one delta (an element in both is added). */
    record SetUpdate(String name, List<String> add, List<String> remove) implements Op {
        public SetUpdate {
            add = List.copyOf(add);
            remove = List.copyOf(remove);
        }

        @Override
        public ObjectKey object() {
            return new ObjectKey(ObjectKind.SET, name);
        }
    }

    /** Adds {@code amount} (negative to subtract) to a PN counter. */
    record CounterAdd(String name, long amount) implements Op {
        @Override
        public ObjectKey object() {
            return new ObjectKey(ObjectKind.COUNTER, name);
        }
    }

    /** Writes a multi-value register read with the resolver its {@code kind} names. */
    record RegisterWrite(ObjectKind kind, String name, Value value) implements Op {
        public RegisterWrite {
            if (!kind.isRegister()) {
                throw new IllegalArgumentException("not a register kind: " + kind);
            }
            Objects.requireNonNull(value, "value");
        }

        @Override
        public ObjectKey object() {
            return new ObjectKey(kind, name);
        }
    }

    /**
     * Replaces document {@code id} of a collection with the embedding {@code vector} (finite, not
     * all zeros; quantized by the replicator), its text (null for an upsert by vector) and its
     * metadata. The vector is of the model {@code modelName} with {@code fingerprint}, or, when
     * {@code modelName} is null, of the collection's model. The replicator checks it against the
     * collection's header: a vector of the collection's model must have its dimension; a vector of
     * another model moves the collection to that model (a new generation) if {@code mayChangeModel},
     * and is refused otherwise.
     */
    record DocUpsert(String name, String id, float[] vector, String modelName, long fingerprint,
                     boolean mayChangeModel, String text, Map<String, Value> metadata) implements Op {
        public DocUpsert {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(vector, "vector");
            metadata = Map.copyOf(metadata);
        }

        @Override
        public ObjectKey object() {
            return new ObjectKey(ObjectKind.COLLECTION, name);
        }
    }

    /** Deletes document {@code id} of a collection (what this replica has seen of it). */
    record DocDelete(String name, String id) implements Op {
        public DocDelete {
            Objects.requireNonNull(id, "id");
        }

        @Override
        public ObjectKey object() {
            return new ObjectKey(ObjectKind.COLLECTION, name);
        }
    }
}
