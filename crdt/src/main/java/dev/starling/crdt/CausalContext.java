package dev.starling.crdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The set of dots (events) a replica has seen, kept compact as a version vector plus a "dot cloud"
 * of the dots that are not yet contiguous with it [1, section 5]: replica {@code r} at {@code n} in
 * the vector means dots {@code r:1 .. r:n} were all seen; a cloud dot {@code r:m} with {@code m > n + 1}
 * was seen out of order. Every instance is compacted: cloud dots that close a gap are folded into
 * the vector, so a gap-free history costs one entry per replica no matter how many events it saw.
 *
 * <p>Immutable. Stored as sorted parallel arrays (replicas in unsigned order), because a causal
 * context has one entry per replica that ever wrote, which is few, and it is joined on every delta.
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 */
public final class CausalContext {

    private static final long[] NO_LONGS = new long[0];
    private static final Dot[] NO_DOTS = new Dot[0];
    private static final CausalContext EMPTY = new CausalContext(NO_LONGS, NO_LONGS, NO_DOTS);

    private final long[] vvReplicas;
    private final long[] vvCounters;
    private final Dot[] cloud;
    private int hash;

    private CausalContext(long[] vvReplicas, long[] vvCounters, Dot[] cloud) {
        this.vvReplicas = vvReplicas;
        this.vvCounters = vvCounters;
        this.cloud = cloud;
    }

    public static CausalContext empty() {
        return EMPTY;
    }

    /** The context holding exactly the given dots (compacted). */
    public static CausalContext of(Collection<Dot> dots) {
        if (dots.isEmpty()) {
            return EMPTY;
        }
        Dot[] sorted = dots.toArray(NO_DOTS);
        Arrays.sort(sorted);
        return compact(NO_LONGS, NO_LONGS, dedupe(sorted, sorted.length));
    }

    public static CausalContext of(Dot... dots) {
        return of(Arrays.asList(dots));
    }

    /**
     * Builds a context from a version vector and a cloud of further dots, in any order, compacting
     * it. Used by decoders; throws IllegalArgumentException for a replica listed twice or a
     * non-positive counter.
     */
    public static CausalContext of(Map<ReplicaId, Long> versionVector, Collection<Dot> cloud) {
        TreeMap<ReplicaId, Long> vv = new TreeMap<>(versionVector);
        long[] replicas = new long[vv.size()];
        long[] counters = new long[vv.size()];
        int i = 0;
        for (Map.Entry<ReplicaId, Long> e : vv.entrySet()) {
            long c = e.getValue();
            if (c < 1) {
                throw new IllegalArgumentException("version vector counter must be >= 1: " + e);
            }
            replicas[i] = e.getKey().value();
            counters[i] = c;
            i++;
        }
        Dot[] sorted = cloud.toArray(NO_DOTS);
        Arrays.sort(sorted);
        return compact(replicas, counters, dedupe(sorted, sorted.length));
    }

    public boolean isEmpty() {
        return vvReplicas.length == 0 && cloud.length == 0;
    }

    /** True when the dot was seen. */
    public boolean contains(Dot dot) {
        long r = dot.replica().value();
        int i = SortedReplicas.indexOf(vvReplicas, r);
        if (i >= 0 && dot.counter() <= vvCounters[i]) {
            return true;
        }
        return cloud.length != 0 && Arrays.binarySearch(cloud, dot) >= 0;
    }

    /** True when every dot of {@code other} is in this context. */
    public boolean covers(CausalContext other) {
        for (int i = 0; i < other.vvReplicas.length; i++) {
            int j = SortedReplicas.indexOf(vvReplicas, other.vvReplicas[i]);
            if (j < 0 || vvCounters[j] < other.vvCounters[i]) {
                return false;
            }
        }
        for (Dot d : other.cloud) {
            if (!contains(d)) {
                return false;
            }
        }
        return true;
    }

    /** The highest counter seen from {@code replica}, or 0. */
    public long max(ReplicaId replica) {
        long r = replica.value();
        int i = SortedReplicas.indexOf(vvReplicas, r);
        long m = i >= 0 ? vvCounters[i] : 0;
        for (int k = cloud.length - 1; k >= 0; k--) {
            Dot d = cloud[k];
            if (d.replica().value() == r) {
                return Math.max(m, d.counter());
            }
        }
        return m;
    }

    /** The next dot {@code replica} should create: one past the highest it has seen of its own. */
    public Dot nextDot(ReplicaId replica) {
        return new Dot(replica, max(replica) + 1);
    }

    /** This context with one more dot. */
    public CausalContext add(Dot dot) {
        if (contains(dot)) {
            return this;
        }
        long r = dot.replica().value();
        int i = SortedReplicas.indexOf(vvReplicas, r);
        boolean noCloudForReplica = !hasCloudDotOf(r);
        if (noCloudForReplica) {
            long base = i >= 0 ? vvCounters[i] : 0;
            if (dot.counter() == base + 1) {
                if (i >= 0) {
                    long[] counters = vvCounters.clone();
                    counters[i] = dot.counter();
                    return new CausalContext(vvReplicas, counters, cloud);
                }
                int at = -(i + 1);
                return new CausalContext(SortedReplicas.insert(vvReplicas, at, r),
                    SortedReplicas.insert(vvCounters, at, 1), cloud);
            }
        }
        Dot[] merged = mergeDots(cloud, new Dot[] {dot});
        return compact(vvReplicas, vvCounters, merged);
    }

    /** A context of only a few loose dots (a typical delta's) is folded in one dot at a time. */
    private static final int SMALL_CLOUD = 8;

    private CausalContext addAll(Dot[] dots) {
        CausalContext r = this;
        for (Dot d : dots) {
            r = r.add(d);
        }
        return r;
    }

    /** The union of two contexts, compacted. */
    public CausalContext merge(CausalContext other) {
        if (other == this || other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        if (other.vvReplicas.length == 0 && other.cloud.length <= SMALL_CLOUD) {
            return addAll(other.cloud);
        }
        if (vvReplicas.length == 0 && cloud.length <= SMALL_CLOUD) {
            return other.addAll(cloud);
        }
        int n = vvReplicas.length;
        int m = other.vvReplicas.length;
        long[] rs = new long[n + m];
        long[] cs = new long[n + m];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < n || j < m) {
            int cmp = i >= n ? 1 : j >= m ? -1 : Long.compareUnsigned(vvReplicas[i], other.vvReplicas[j]);
            if (cmp < 0) {
                rs[k] = vvReplicas[i];
                cs[k++] = vvCounters[i++];
            } else if (cmp > 0) {
                rs[k] = other.vvReplicas[j];
                cs[k++] = other.vvCounters[j++];
            } else {
                rs[k] = vvReplicas[i];
                cs[k++] = Math.max(vvCounters[i++], other.vvCounters[j++]);
            }
        }
        if (k < n + m) {
            rs = Arrays.copyOf(rs, k);
            cs = Arrays.copyOf(cs, k);
        }
        Dot[] dots = cloud.length == 0 ? other.cloud : other.cloud.length == 0 ? cloud : mergeDots(cloud, other.cloud);
        if (dots.length == 0 && Arrays.equals(rs, vvReplicas) && Arrays.equals(cs, vvCounters)) {
            return this;
        }
        return compact(rs, cs, dots);
    }

    /** Number of version-vector entries (one per replica with a gap-free prefix). */
    public int versionVectorSize() {
        return vvReplicas.length;
    }

    /** Number of dots kept outside the version vector. */
    public int cloudSize() {
        return cloud.length;
    }

    /** Total number of dots this context holds (may be large: it counts the ranges of the vector). */
    public long dotCount() {
        long n = cloud.length;
        for (long c : vvCounters) {
            n += c;
        }
        return n;
    }

    /** Calls {@code action} for each version-vector entry, in replica order. */
    public void forEachVersion(VersionConsumer action) {
        for (int i = 0; i < vvReplicas.length; i++) {
            action.accept(new ReplicaId(vvReplicas[i]), vvCounters[i]);
        }
    }

    /** Calls {@code action} for each cloud dot, in dot order. */
    public void forEachCloudDot(Consumer<? super Dot> action) {
        for (Dot d : cloud) {
            action.accept(d);
        }
    }

    /** The version vector as a sorted map. */
    public Map<ReplicaId, Long> versionVector() {
        TreeMap<ReplicaId, Long> m = new TreeMap<>();
        forEachVersion((r, c) -> m.put(r, c));
        return m;
    }

    /** The cloud dots, sorted. */
    public List<Dot> cloud() {
        return List.of(cloud);
    }

    /** Receives one version-vector entry. */
    @FunctionalInterface
    public interface VersionConsumer {
        void accept(ReplicaId replica, long counter);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CausalContext)) {
            return false;
        }
        CausalContext c = (CausalContext) o;
        return Arrays.equals(vvReplicas, c.vvReplicas) && Arrays.equals(vvCounters, c.vvCounters)
            && Arrays.equals(cloud, c.cloud);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = (Arrays.hashCode(vvReplicas) * 31 + Arrays.hashCode(vvCounters)) * 31 + Arrays.hashCode(cloud);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{vv=[");
        for (int i = 0; i < vvReplicas.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(new ReplicaId(vvReplicas[i])).append(':').append(vvCounters[i]);
        }
        return sb.append("], cloud=").append(Arrays.toString(cloud)).append('}').toString();
    }

    private boolean hasCloudDotOf(long replica) {
        for (Dot d : cloud) {
            if (d.replica().value() == replica) {
                return true;
            }
        }
        return false;
    }

    private static Dot[] mergeDots(Dot[] a, Dot[] b) {
        Dot[] out = new Dot[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length || j < b.length) {
            int c = i >= a.length ? 1 : j >= b.length ? -1 : a[i].compareTo(b[j]);
            if (c < 0) {
                out[k++] = a[i++];
            } else if (c > 0) {
                out[k++] = b[j++];
            } else {
                out[k++] = a[i++];
                j++;
            }
        }
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    private static Dot[] dedupe(Dot[] sorted, int n) {
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (k == 0 || !sorted[k - 1].equals(sorted[i])) {
                sorted[k++] = sorted[i];
            }
        }
        return k == sorted.length ? sorted : Arrays.copyOf(sorted, k);
    }

    /**
     * Folds the sorted, duplicate-free cloud into the sorted version vector: walks replicas in
     * order, raising each replica's counter over contiguous cloud dots and keeping the rest.
     */
    private static CausalContext compact(long[] vvR, long[] vvC, Dot[] sortedCloud) {
        if (sortedCloud.length == 0) {
            return vvR.length == 0 ? EMPTY : new CausalContext(vvR, vvC, NO_DOTS);
        }
        long[] outR = new long[vvR.length + sortedCloud.length];
        long[] outC = new long[outR.length];
        List<Dot> rest = new ArrayList<>();
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < vvR.length || j < sortedCloud.length) {
            long r;
            long base;
            if (j >= sortedCloud.length
                || (i < vvR.length && Long.compareUnsigned(vvR[i], sortedCloud[j].replica().value()) <= 0)) {
                r = vvR[i];
                base = vvC[i];
                i++;
            } else {
                r = sortedCloud[j].replica().value();
                base = 0;
            }
            while (j < sortedCloud.length && sortedCloud[j].replica().value() == r) {
                long c = sortedCloud[j].counter();
                if (c == base + 1) {
                    base = c;
                } else if (c > base) {
                    rest.add(sortedCloud[j]);
                }
                j++;
            }
            if (base > 0) {
                outR[n] = r;
                outC[n++] = base;
            }
        }
        return new CausalContext(Arrays.copyOf(outR, n), Arrays.copyOf(outC, n), rest.toArray(NO_DOTS));
    }
}
