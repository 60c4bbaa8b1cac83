package dev.starling.node.replication;

import java.util.Objects;

/**
 * The identity of a replicated object: its kind and its name. Names follow the API's rule,
 * {@code [A-Za-z0-9._-]{1,128}}.
 */
public record ObjectKey(ObjectKind kind, String name) {

    public static final int MAX_NAME_LENGTH = 128;

    public ObjectKey {
        Objects.requireNonNull(kind, "kind");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("invalid object name (expected [A-Za-z0-9._-]{1,128}): "
                + (name == null ? "null" : '"' + name + '"'));
        }
    }

    /** Whether {@code name} matches {@code [A-Za-z0-9._-]{1,128}} (a loop: this runs per received record). */
    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + ':' + name;
    }
}
