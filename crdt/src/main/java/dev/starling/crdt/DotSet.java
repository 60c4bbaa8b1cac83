package dev.starling.crdt;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The simplest dot store: a set of dots. The presence of an OR-set element is the set of dots of
 * the adds that are still live for it. Immutable, kept as a small sorted array: an element rarely
 * has more than a few concurrent adds.
 */
public final class DotSet implements DotStore<DotSet> {

    private static final DotSet EMPTY = new DotSet(new Dot[0]);

    private final Dot[] dots;

    private DotSet(Dot[] sortedDistinct) {
        this.dots = sortedDistinct;
    }

    public static DotSet empty() {
        return EMPTY;
    }

    public static DotSet of(Dot dot) {
        return new DotSet(new Dot[] {dot});
    }

    public static DotSet of(Collection<Dot> dots) {
        if (dots.isEmpty()) {
            return EMPTY;
        }
        Dot[] a = dots.toArray(new Dot[0]);
        Arrays.sort(a);
        int k = 0;
        for (int i = 0; i < a.length; i++) {
            if (k == 0 || !a[k - 1].equals(a[i])) {
                a[k++] = a[i];
            }
        }
        return new DotSet(k == a.length ? a : Arrays.copyOf(a, k));
    }

    @Override
    public boolean isEmpty() {
        return dots.length == 0;
    }

    public int size() {
        return dots.length;
    }

    public boolean contains(Dot dot) {
        return Arrays.binarySearch(dots, dot) >= 0;
    }

    /** The dots, sorted. */
    public List<Dot> dots() {
        return List.of(dots);
    }

    @Override
    public void forEachDot(Consumer<? super Dot> action) {
        for (Dot d : dots) {
            action.accept(d);
        }
    }

    /** The dots of this store as a context. */
    public CausalContext toContext() {
        return CausalContext.of(Arrays.asList(dots));
    }

    @Override
    public DotSet join(CausalContext context, DotSet other, CausalContext otherContext) {
        if (other == this || other.equals(this)) {
            return this;
        }
        Dot[] a = dots;
        Dot[] b = other.dots;
        Dot[] out = new Dot[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length || j < b.length) {
            int c = i >= a.length ? 1 : j >= b.length ? -1 : a[i].compareTo(b[j]);
            if (c == 0) {
                out[k++] = a[i++];
                j++;
            } else if (c < 0) {
                Dot d = a[i++];
                if (!otherContext.contains(d)) {
                    out[k++] = d;
                }
            } else {
                Dot d = b[j++];
                if (!context.contains(d)) {
                    out[k++] = d;
                }
            }
        }
        return make(out, k);
    }

    @Override
    public DotSet without(CausalContext context) {
        Dot[] out = null;
        int k = 0;
        for (int i = 0; i < dots.length; i++) {
            Dot d = dots[i];
            if (context.contains(d)) {
                if (out == null) {
                    out = new Dot[dots.length];
                    System.arraycopy(dots, 0, out, 0, i);
                    k = i;
                }
            } else if (out != null) {
                out[k++] = d;
            }
        }
        return out == null ? this : make(out, k);
    }

    private static DotSet make(Dot[] out, int n) {
        if (n == 0) {
            return EMPTY;
        }
        return new DotSet(n == out.length ? out : Arrays.copyOf(out, n));
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof DotSet && Arrays.equals(dots, ((DotSet) o).dots));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dots);
    }

    @Override
    public String toString() {
        return Arrays.toString(dots);
    }
}
