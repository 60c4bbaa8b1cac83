package dev.starling.index;

import java.io.IOException;

/**
 * An index snapshot that cannot be used: not a snapshot, another format version, a checksum
 * mismatch, truncated, or naming a class outside the allow-list. The remedy is to rebuild the
 * index from the store (the snapshot is only a cache of it).
 */
public final class CorruptSnapshotException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptSnapshotException(String message) {
        super(message);
    }

    public CorruptSnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
