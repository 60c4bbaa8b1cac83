package dev.starling.crdt;

/**
 * Helpers for the arrays of replica ids kept sorted in unsigned order by {@link CausalContext} and
 * {@link PnCounter} (one entry per replica that ever wrote: few, so arrays beat maps).
 */
final class SortedReplicas {

    private SortedReplicas() {
    }

    /** The index of {@code replica}, or {@code -(insertion point) - 1} when absent (as {@code Arrays.binarySearch}). */
    static int indexOf(long[] sorted, long replica) {
        int lo = 0;
        int hi = sorted.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(sorted[mid], replica);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    /** A copy of {@code a} with {@code v} inserted at {@code at}. */
    static long[] insert(long[] a, int at, long v) {
        long[] r = new long[a.length + 1];
        System.arraycopy(a, 0, r, 0, at);
        r[at] = v;
        System.arraycopy(a, at, r, at + 1, a.length - at);
        return r;
    }
}
