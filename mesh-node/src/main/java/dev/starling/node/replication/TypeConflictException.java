package dev.starling.node.replication;

/** A write of one kind to a name that already holds an object of another kind (the API's 409). */
public final class TypeConflictException extends Exception {

    private final ObjectKind existing;

    public TypeConflictException(String name, ObjectKind existing, ObjectKind requested) {
        super("\"" + name + "\" is a " + existing.name().toLowerCase() + ", not a "
            + requested.name().toLowerCase());
        this.existing = existing;
    }

    public ObjectKind existing() {
        return existing;
    }
}
