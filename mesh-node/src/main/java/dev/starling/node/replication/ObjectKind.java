package dev.starling.node.replication;

/**
 * The type of a named object, fixed when the object is created. The kind is part of the object's
 * identity ({@link ObjectKey}): if two replicas concurrently create the same name with different
 * kinds, both objects exist and replicate, and nothing is lost; the API answers 409 for a write of
 * another kind where the name already holds one (see docs/replication.md).
 *
 * <p>The tag is what the store and the wire carry; tags are never reused.
 */
public enum ObjectKind {
    /** {@code LwwMap<String, Value>}: LWW per key; replicated and stored per key. */
    MAP(1),
    /** {@code OrSet<String>}, add-wins. */
    SET(2),
    /** {@code PnCounter}. */
    COUNTER(3),
    /** {@code MvRegister<Value>} read with the {@code lww} resolver. */
    REGISTER_LWW(4),
    /** {@code MvRegister<Value>} read with the {@code average} resolver (numbers and vectors). */
    REGISTER_AVERAGE(5),
    /** {@code MvRegister<Value>} read with the {@code union} resolver (lists). */
    REGISTER_UNION(6),
    /** {@code MvRegister<Value>} whose siblings the application resolves. */
    REGISTER_SIBLINGS(7),
    /**
     * A collection of documents ({@link CollectionState}): per document id a
     * {@link dev.starling.crdt.Document}, and the {@link dev.starling.crdt.CollectionHeader} under
     * the empty key; replicated and stored per document.
     */
    COLLECTION(8);

    private static final ObjectKind[] BY_TAG = new ObjectKind[9];

    static {
        for (ObjectKind k : values()) {
            BY_TAG[k.tag] = k;
        }
    }

    private final int tag;

    ObjectKind(int tag) {
        this.tag = tag;
    }

    public int tag() {
        return tag;
    }

    /** The kind of {@code tag}, or {@code null} for a tag this version does not know. */
    public static ObjectKind ofTag(int tag) {
        return tag > 0 && tag < BY_TAG.length ? BY_TAG[tag] : null;
    }

    public boolean isRegister() {
        return this == REGISTER_LWW || this == REGISTER_AVERAGE || this == REGISTER_UNION
            || this == REGISTER_SIBLINGS;
    }

    /** Whether state is replicated, digested and stored per entry key rather than per object. */
    public boolean perKey() {
        return this == MAP || this == COLLECTION;
    }
}
