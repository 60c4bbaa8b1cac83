package dev.starling.node.replication;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The digest tree of the keyspace: every entry (a map key, or a whole object of another kind) with
 * its 64-bit key hash and 128-bit digest, and the sums of digests over buckets of key hashes.
 *
 * <p>Bucket {@code (d, p)} holds the entries whose key hash starts with the {@code 4d}-bit prefix
 * {@code p}: 16 children per bucket, depth 0 (the root) to 16 (one key hash). A bucket's value is
 * the sum (mod 2^64, lane by lane) of its entries' digests: an additive multiset hash, so adding,
 * replacing or removing an entry updates the root and the buckets above it in O(1) each, and two
 * replicas with the same entries in the same states have the same sums whatever the order of
 * events. Depths 1 to {@link #STORED_DEPTH} are kept in arrays, updated on every change; deeper
 * buckets are summed on demand from the entries of their depth-{@value #STORED_DEPTH} bucket (a
 * walk only goes there for divergent buckets, each holding about n / 16^3 entries).
 *
 * <p>Entries are found through a hash map on the key hash (no boxing, one probe), and listed per
 * depth-{@value #STORED_DEPTH} bucket in insertion order; a walk sorts the few entries of one
 * bucket by key hash when it needs them in order. (A sorted map over all entries cost a 20-level
 * tree descent per write at a million entries: a third of the agent's time.)
 */
final class DigestTree {

    /** Depths whose sums are maintained incrementally (16 + 256 + 4096 buckets). */
    static final int STORED_DEPTH = 3;
    static final int MAX_DEPTH = 16;

    /** One entry of the keyspace as the tree sees it. */
    static final class Entry {
        final ObjectKey object;
        final String key;
        final long keyHash;
        long digestHi;
        long digestLo;
        /** Another entry with the same key hash (a 64-bit collision), or null. */
        Entry next;

        Entry(ObjectKey object, String key, long keyHash) {
            this.object = object;
            this.key = key;
            this.keyHash = keyHash;
        }

        boolean is(ObjectKey o, String k) {
            return object.equals(o) && (key == null ? k == null : key.equals(k));
        }
    }

    private static final Comparator<Entry> BY_HASH = (a, b) -> Long.compareUnsigned(a.keyHash, b.keyHash);

    /** Entries by key hash; entries with equal hashes are chained from the one in the map. */
    private final Long2ObjectHashMap<Entry> byHash = new Long2ObjectHashMap<>();
    /** The chain heads of each depth-{@link #STORED_DEPTH} bucket, in insertion order. */
    @SuppressWarnings("unchecked")
    private final List<Entry>[] leaves = new List[1 << (4 * STORED_DEPTH)];
    private final long[][] sumHi = new long[STORED_DEPTH + 1][];
    private final long[][] sumLo = new long[STORED_DEPTH + 1][];
    private final int[][] counts = new int[STORED_DEPTH + 1][];
    private long size;

    DigestTree() {
        for (int d = 0; d <= STORED_DEPTH; d++) {
            sumHi[d] = new long[1 << (4 * d)];
            sumLo[d] = new long[1 << (4 * d)];
            counts[d] = new int[1 << (4 * d)];
        }
    }

    long size() {
        return size;
    }

    long rootHi() {
        return sumHi[0][0];
    }

    long rootLo() {
        return sumLo[0][0];
    }

    /** The entry of {@code object}/{@code key}, or null. */
    Entry find(ObjectKey object, String key, long keyHash) {
        for (Entry e = byHash.get(keyHash); e != null; e = e.next) {
            if (e.is(object, key)) {
                return e;
            }
        }
        return null;
    }

    /** Sets the digest of an entry, adding the entry if it is new. */
    void put(ObjectKey object, String key, long keyHash, long digestHi, long digestLo) {
        Entry e = find(object, key, keyHash);
        if (e == null) {
            e = new Entry(object, key, keyHash);
            Entry head = byHash.get(keyHash);
            if (head == null) {
                byHash.put(keyHash, e);
                int leaf = leafOf(keyHash);
                List<Entry> l = leaves[leaf];
                if (l == null) {
                    l = new ArrayList<>(4);
                    leaves[leaf] = l;
                }
                l.add(e);
            } else {
                // a 64-bit collision: chain behind the head, which stays in the map and its leaf
                e.next = head.next;
                head.next = e;
            }
            size++;
            add(keyHash, 0, 0, 1);
        } else {
            add(keyHash, -e.digestHi, -e.digestLo, 0);
        }
        e.digestHi = digestHi;
        e.digestLo = digestLo;
        add(keyHash, digestHi, digestLo, 0);
    }

    private void add(long keyHash, long hi, long lo, int count) {
        for (int d = 0; d <= STORED_DEPTH; d++) {
            int i = d == 0 ? 0 : (int) (keyHash >>> (64 - 4 * d));
            sumHi[d][i] += hi;
            sumLo[d][i] += lo;
            counts[d][i] += count;
        }
    }

    private static int leafOf(long keyHash) {
        return (int) (keyHash >>> (64 - 4 * STORED_DEPTH));
    }

    /** Number of entries in bucket {@code (depth, prefix)}. */
    long count(int depth, long prefix) {
        if (depth <= STORED_DEPTH) {
            return counts[depth][(int) prefix];
        }
        long[] n = {0};
        forEachIn(depth, prefix, e -> n[0]++);
        return n[0];
    }

    /**
     * The sums and counts of the 16 children of bucket {@code (depth, prefix)}, {@code depth < 16}:
     * {@code hi[c]}, {@code lo[c]}, {@code n[c]}.
     */
    void childSums(int depth, long prefix, long[] hi, long[] lo, long[] n) {
        int cd = depth + 1;
        if (cd <= STORED_DEPTH) {
            int base = (int) (prefix << 4);
            for (int c = 0; c < 16; c++) {
                hi[c] = sumHi[cd][base + c];
                lo[c] = sumLo[cd][base + c];
                n[c] = counts[cd][base + c];
            }
            return;
        }
        Arrays.fill(hi, 0);
        Arrays.fill(lo, 0);
        Arrays.fill(n, 0);
        int shift = 64 - 4 * cd;
        List<Entry> leaf = leaves[(int) (prefix >>> (4 * (depth - STORED_DEPTH)))];
        if (leaf == null) {
            return;
        }
        for (int i = 0, size = leaf.size(); i < size; i++) {
            Entry head = leaf.get(i);
            if (!inBucket(head.keyHash, depth, prefix)) {
                continue;
            }
            int c = (int) ((head.keyHash >>> shift) & 0xF);
            for (Entry e = head; e != null; e = e.next) {
                hi[c] += e.digestHi;
                lo[c] += e.digestLo;
                n[c]++;
            }
        }
    }

    /** Visits the entries of bucket {@code (depth, prefix)} in key-hash order. */
    void forEachIn(int depth, long prefix, Consumer<Entry> action) {
        int first;
        int last;
        if (depth <= STORED_DEPTH) {
            int span = 4 * (STORED_DEPTH - depth);
            first = (int) (prefix << span);
            last = first + (1 << span) - 1;
        } else {
            first = (int) (prefix >>> (4 * (depth - STORED_DEPTH)));
            last = first;
        }
        List<Entry> sorted = new ArrayList<>();
        for (int b = first; b <= last; b++) {
            List<Entry> leaf = leaves[b];
            if (leaf == null) {
                continue;
            }
            sorted.clear();
            for (int i = 0, size = leaf.size(); i < size; i++) {
                Entry head = leaf.get(i);
                if (inBucket(head.keyHash, depth, prefix)) {
                    sorted.add(head);
                }
            }
            sorted.sort(BY_HASH);
            for (Entry head : sorted) {
                for (Entry e = head; e != null; e = e.next) {
                    action.accept(e);
                }
            }
        }
    }

    /** Entries with key hash {@code keyHash} (usually one), chained through {@link Entry#next}. */
    Entry withHash(long keyHash) {
        return byHash.get(keyHash);
    }

    /** Whether {@code keyHash} lies in bucket {@code (depth, prefix)}. */
    static boolean inBucket(long keyHash, int depth, long prefix) {
        return depth == 0 || (keyHash >>> (64 - 4 * depth)) == prefix;
    }

    /** Whether {@code (depth, prefix)} names a bucket. */
    static boolean validBucket(int depth, long prefix) {
        if (depth < 0 || depth > MAX_DEPTH) {
            return false;
        }
        if (depth == 0) {
            return prefix == 0;
        }
        return depth == MAX_DEPTH || (prefix >>> (4 * depth)) == 0;
    }

    /** A bucket sum (or entry digest) folded to 32 bits with a per-round salt (see AntiEntropy). */
    static int fold(long hi, long lo, long salt) {
        long x = mix(hi ^ salt) + mix(lo + 0x9E3779B97F4A7C15L * (salt | 1));
        return (int) (x ^ (x >>> 32));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }


}
