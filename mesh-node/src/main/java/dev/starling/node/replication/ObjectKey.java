package dev.starling.node.replication;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identity of a replicated object: its kind and its name. Names follow the API's rule,
 * {@code [A-Za-z0-9._-]{1,128}}.
 */
public record ObjectKey(ObjectKind kind, String name) {

    public static final int MAX_NAME_LENGTH = 128;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public ObjectKey {
        Objects.requireNonNull(kind, "kind");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("invalid object name (expected [A-Za-z0-9._-]{1,128}): "
                + (name == null ? "null" : '"' + name + '"'));
        }
    }

    public static boolean isValidName(String name) {
        return name != null && name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + ':' + name;
    }
}
