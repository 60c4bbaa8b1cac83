package dev.starling.node.store;

import java.util.Locale;

/**
 * When a committed batch reaches the disk. A process crash (kill -9, OOM kill, JVM crash) loses no
 * committed batch under any policy: a commit has written its pages to the operating system's page
 * cache before it returns, and the kernel writes them out after the process dies. The policies
 * differ on a power loss or kernel crash, where only what was fsynced is safe (docs/storage.md).
 */
public enum SyncPolicy {

    /**
     * Every commit is fsynced before {@link Batch#commit()} returns: a returned commit survives a
     * power loss. Costs one fdatasync per batch (the agent's group commit amortises it).
     */
    ALWAYS,

    /**
     * The default. Commits are not fsynced; {@link Store#syncIfDue(long)} fsyncs at most once per
     * {@link StoreConfig#syncInterval()}. A power loss loses the commits of the last interval, and
     * if it strikes within that window on a file system that reorders writes, it may leave the data
     * file unreadable (LMDB's {@code MDB_NOSYNC}); the node is then refilled by its peers.
     */
    INTERVAL,

    /**
     * Never fsynced until {@link Store#close()}. A power loss may lose everything since the last
     * close, or the file's integrity. For tests and throwaway nodes.
     */
    NONE;

    /** Parses the CLI spelling: {@code always}, {@code interval} or {@code none}. */
    public static SyncPolicy parse(String s) {
        if (s != null) {
            for (SyncPolicy p : values()) {
                if (p.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("sync policy must be always, interval or none: " + s);
    }
}
