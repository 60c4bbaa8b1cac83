package dev.starling.bench.crdt;

import dev.starling.crdt.ReplicaId;

/** Deterministic inputs shared by the benchmarks and the size report. */
final class BenchData {

    /** Physical time of the base states' writes (2025-06-15T16:00:00Z); deltas are written after it. */
    static final long BASE_PHYSICAL_MS = 1_750_003_200_000L;

    /** Three replicas with realistic (random-looking, full 64-bit) ids. */
    static final ReplicaId REPLICA_A = new ReplicaId(0x9e3779b97f4a7c15L);
    static final ReplicaId REPLICA_B = new ReplicaId(0xbf58476d1ce4e5b9L);
    static final ReplicaId REPLICA_C = new ReplicaId(0x94d049bb133111ebL);
    static final ReplicaId[] REPLICAS = {REPLICA_A, REPLICA_B, REPLICA_C};

    private BenchData() {
    }

    /**
     * The {@code i}-th key: 16 lowercase hex characters (16 bytes in UTF-8). A bijective mix of
     * {@code i}, so keys are distinct for distinct {@code i} and spread over the whole hash trie like
     * real ids would be, not clustered like "key-0000000001".
     */
    static String key(long i) {
        String hex = Long.toHexString(mix(i));
        return "0".repeat(16 - hex.length()) + hex;
    }

    /** A fresh String equal to {@code key(i)}: what a decoder would hand over (no identity hit). */
    static String keyCopy(long i) {
        return new String(key(i).toCharArray());
    }

    /** The finaliser of SplitMix64: a bijection on longs with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
