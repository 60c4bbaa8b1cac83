package dev.starling.node.store;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the {@link Store}: immutable, validated once by {@link Builder#build()}.
 *
 * <p>The map size is the size of LMDB's memory map, i.e. the most the environment may hold. It is
 * address space, not memory or disk: the data file only grows as pages are written, and the kernel
 * pages the map in and out. A commit that does not fit grows the map (doubling, up to
 * {@link #maxMapSizeBytes()}) and is retried; past the maximum it fails with
 * {@link StoreFullException}.
 *
 * <p>The delta log is trimmed from its oldest end, in the same transaction, whenever a commit
 * leaves it with more than {@link #maxDeltaLogEntries()} entries or more than
 * {@link #maxDeltaLogBytes()} bytes of deltas. Replication sends a peer whose next delta was
 * trimmed a full state instead (anti-entropy), so the bounds trade disk for catch-up cost.
 */
public final class StoreConfig {

    /** LMDB keeps its pages in 4 KiB units; smaller maps make no sense. */
    public static final long MIN_MAP_SIZE_BYTES = 64 * 1024L;
    public static final long DEFAULT_MAP_SIZE_BYTES = 1L << 30;
    public static final long DEFAULT_MAX_MAP_SIZE_BYTES = 64L << 30;
    public static final SyncPolicy DEFAULT_SYNC_POLICY = SyncPolicy.INTERVAL;
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMillis(5);
    /** An interval longer than this is a mistake (it would be {@link SyncPolicy#NONE} in disguise). */
    public static final Duration MAX_SYNC_INTERVAL = Duration.ofMinutes(1);
    public static final long DEFAULT_MAX_DELTA_LOG_ENTRIES = 1_000_000;
    public static final long DEFAULT_MAX_DELTA_LOG_BYTES = 256L << 20;
    public static final long DEFAULT_MAX_FEED_ENTRIES = 1_000_000;
    public static final long DEFAULT_MAX_FEED_BYTES = 256L << 20;

    private final long mapSizeBytes;
    private final long maxMapSizeBytes;
    private final SyncPolicy syncPolicy;
    private final Duration syncInterval;
    private final long syncIntervalNs;
    private final long maxDeltaLogEntries;
    private final long maxDeltaLogBytes;
    private final long maxFeedEntries;
    private final long maxFeedBytes;

    private StoreConfig(Builder b) {
        this.mapSizeBytes = b.mapSizeBytes;
        this.maxMapSizeBytes = b.maxMapSizeBytes;
        this.syncPolicy = b.syncPolicy;
        this.syncInterval = b.syncInterval;
        this.syncIntervalNs = b.syncInterval.toNanos();
        this.maxDeltaLogEntries = b.maxDeltaLogEntries;
        this.maxDeltaLogBytes = b.maxDeltaLogBytes;
        this.maxFeedEntries = b.maxFeedEntries;
        this.maxFeedBytes = b.maxFeedBytes;
    }

    /** The defaults, for a node on a LAN: 1 GiB map growable to 64 GiB, sync every 5 ms. */
    public static StoreConfig lan() {
        return builder().build();
    }

    /**
     * Several nodes on one machine (demo, tests of the mesh): a 64 MiB map growable to 1 GiB and a
     * delta log and a change feed of at most 100,000 entries or 32 MiB each, so a handful of nodes stay small on disk.
     */
    public static StoreConfig local() {
        return builder()
                .mapSizeBytes(64L << 20)
                .maxMapSizeBytes(1L << 30)
                .maxDeltaLogEntries(100_000)
                .maxDeltaLogBytes(32L << 20)
                .maxFeedEntries(100_000)
                .maxFeedBytes(32L << 20)
                .build();
    }

    /** A builder holding the {@link #lan()} defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change some fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mapSizeBytes = mapSizeBytes;
        b.maxMapSizeBytes = maxMapSizeBytes;
        b.syncPolicy = syncPolicy;
        b.syncInterval = syncInterval;
        b.maxDeltaLogEntries = maxDeltaLogEntries;
        b.maxDeltaLogBytes = maxDeltaLogBytes;
        b.maxFeedEntries = maxFeedEntries;
        b.maxFeedBytes = maxFeedBytes;
        return b;
    }

    /** Initial size of the memory map (default 1 GiB). A larger existing data file wins. */
    public long mapSizeBytes() {
        return mapSizeBytes;
    }

    /** The map is never grown past this (default 64 GiB); a commit that needs more fails. */
    public long maxMapSizeBytes() {
        return maxMapSizeBytes;
    }

    public SyncPolicy syncPolicy() {
        return syncPolicy;
    }

    /** With {@link SyncPolicy#INTERVAL}, the least time between two fsyncs (default 5 ms). */
    public Duration syncInterval() {
        return syncInterval;
    }

    public long syncIntervalNs() {
        return syncIntervalNs;
    }

    /** Most deltas kept in the delta log (default 1,000,000). */
    public long maxDeltaLogEntries() {
        return maxDeltaLogEntries;
    }

    /** Most bytes of delta payloads kept in the delta log, keys not counted (default 256 MiB). */
    public long maxDeltaLogBytes() {
        return maxDeltaLogBytes;
    }

    /** Most entries kept in the change feed (default 1,000,000); older ones are dropped. */
    public long maxFeedEntries() {
        return maxFeedEntries;
    }

    /** Most bytes of entries kept in the change feed, keys not counted (default 256 MiB). */
    public long maxFeedBytes() {
        return maxFeedBytes;
    }

    @Override
    public String toString() {
        return "StoreConfig{mapSizeBytes=" + mapSizeBytes + ", maxMapSizeBytes=" + maxMapSizeBytes
                + ", syncPolicy=" + syncPolicy + ", syncInterval=" + syncInterval
                + ", maxDeltaLogEntries=" + maxDeltaLogEntries + ", maxDeltaLogBytes=" + maxDeltaLogBytes
                + ", maxFeedEntries=" + maxFeedEntries + ", maxFeedBytes=" + maxFeedBytes + '}';
    }

    /** Mutable builder; {@link #build()} validates every field together. */
    public static final class Builder {
        private long mapSizeBytes = DEFAULT_MAP_SIZE_BYTES;
        private long maxMapSizeBytes = DEFAULT_MAX_MAP_SIZE_BYTES;
        private SyncPolicy syncPolicy = DEFAULT_SYNC_POLICY;
        private Duration syncInterval = DEFAULT_SYNC_INTERVAL;
        private long maxDeltaLogEntries = DEFAULT_MAX_DELTA_LOG_ENTRIES;
        private long maxDeltaLogBytes = DEFAULT_MAX_DELTA_LOG_BYTES;
        private long maxFeedEntries = DEFAULT_MAX_FEED_ENTRIES;
        private long maxFeedBytes = DEFAULT_MAX_FEED_BYTES;

        private Builder() {
        }

        public Builder mapSizeBytes(long bytes) {
            this.mapSizeBytes = bytes;
            return this;
        }

        public Builder maxMapSizeBytes(long bytes) {
            this.maxMapSizeBytes = bytes;
            return this;
        }

        public Builder syncPolicy(SyncPolicy policy) {
            this.syncPolicy = policy;
            return this;
        }

        public Builder syncInterval(Duration interval) {
            this.syncInterval = interval;
            return this;
        }

        public Builder maxDeltaLogEntries(long entries) {
            this.maxDeltaLogEntries = entries;
            return this;
        }

        public Builder maxDeltaLogBytes(long bytes) {
            this.maxDeltaLogBytes = bytes;
            return this;
        }

        public Builder maxFeedEntries(long entries) {
            this.maxFeedEntries = entries;
            return this;
        }

        public Builder maxFeedBytes(long bytes) {
            this.maxFeedBytes = bytes;
            return this;
        }

        /** Validates the fields and returns the configuration. */
        public StoreConfig build() {
            Objects.requireNonNull(syncPolicy, "syncPolicy");
            Objects.requireNonNull(syncInterval, "syncInterval");
            if (mapSizeBytes < MIN_MAP_SIZE_BYTES) {
                throw new IllegalArgumentException(
                        "mapSizeBytes must be >= " + MIN_MAP_SIZE_BYTES + ": " + mapSizeBytes);
            }
            if (maxMapSizeBytes < mapSizeBytes) {
                throw new IllegalArgumentException("maxMapSizeBytes (" + maxMapSizeBytes
                        + ") must be >= mapSizeBytes (" + mapSizeBytes + ")");
            }
            if (syncInterval.isNegative() || syncInterval.isZero() || syncInterval.compareTo(MAX_SYNC_INTERVAL) > 0) {
                throw new IllegalArgumentException(
                        "syncInterval must be positive and at most " + MAX_SYNC_INTERVAL + ": " + syncInterval);
            }
            if (maxDeltaLogEntries < 1) {
                throw new IllegalArgumentException("maxDeltaLogEntries must be >= 1: " + maxDeltaLogEntries);
            }
            if (maxDeltaLogBytes < 1) {
                throw new IllegalArgumentException("maxDeltaLogBytes must be >= 1: " + maxDeltaLogBytes);
            }
            if (maxFeedEntries < 1) {
                throw new IllegalArgumentException("maxFeedEntries must be >= 1: " + maxFeedEntries);
            }
            if (maxFeedBytes < 1) {
                throw new IllegalArgumentException("maxFeedBytes must be >= 1: " + maxFeedBytes);
            }
            return new StoreConfig(this);
        }
    }
}
