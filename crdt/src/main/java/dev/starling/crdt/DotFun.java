package dev.starling.crdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A dot store mapping each dot to the value written with it: the siblings of a multi-value
 * register. A dot names one write, so two replicas holding the same dot hold the same value.
 * Immutable, kept as a small array sorted by dot.
 *
 * @param <V> the value type; immutable, with value equality
 */
public final class DotFun<V> implements DotStore<DotFun<V>> {

    private static final DotFun<?> EMPTY = new DotFun<>(new Dot[0], new Object[0]);

    private final Dot[] dots;
    private final Object[] values;

    private DotFun(Dot[] dots, Object[] values) {
        this.dots = dots;
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    public static <V> DotFun<V> empty() {
        return (DotFun<V>) EMPTY;
    }

    public static <V> DotFun<V> of(Dot dot, V value) {
        return new DotFun<>(new Dot[] {dot}, new Object[] {Objects.requireNonNull(value, "value")});
    }

    /** A store holding the given entries; values must be non-null. */
    public static <V> DotFun<V> of(Map<Dot, V> entries) {
        if (entries.isEmpty()) {
            return empty();
        }
        TreeMap<Dot, V> sorted = new TreeMap<>(entries);
        Dot[] ds = new Dot[sorted.size()];
        Object[] vs = new Object[sorted.size()];
        int i = 0;
        for (Map.Entry<Dot, V> e : sorted.entrySet()) {
            ds[i] = e.getKey();
            vs[i++] = Objects.requireNonNull(e.getValue(), "value");
        }
        return new DotFun<>(ds, vs);
    }

    @Override
    public boolean isEmpty() {
        return dots.length == 0;
    }

    public int size() {
        return dots.length;
    }

    public Dot dotAt(int i) {
        return dots[i];
    }

    @SuppressWarnings("unchecked")
    public V valueAt(int i) {
        return (V) values[i];
    }

    /** The value written with {@code dot}, or null. */
    @SuppressWarnings("unchecked")
    public V get(Dot dot) {
        int i = Arrays.binarySearch(dots, dot);
        return i >= 0 ? (V) values[i] : null;
    }

    @SuppressWarnings("unchecked")
    public void forEach(BiConsumer<? super Dot, ? super V> action) {
        for (int i = 0; i < dots.length; i++) {
            action.accept(dots[i], (V) values[i]);
        }
    }

    /** The values in dot order. */
    @SuppressWarnings("unchecked")
    public List<V> values() {
        List<V> l = new ArrayList<>(values.length);
        for (Object v : values) {
            l.add((V) v);
        }
        return Collections.unmodifiableList(l);
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
    public DotFun<V> join(CausalContext context, DotFun<V> other, CausalContext otherContext) {
        if (other == this) {
            return this;
        }
        Dot[] a = dots;
        Dot[] b = other.dots;
        Dot[] outD = new Dot[a.length + b.length];
        Object[] outV = new Object[outD.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length || j < b.length) {
            int c = i >= a.length ? 1 : j >= b.length ? -1 : a[i].compareTo(b[j]);
            if (c == 0) {
                outD[k] = a[i];
                outV[k++] = values[i++];
                j++;
            } else if (c < 0) {
                if (!otherContext.contains(a[i])) {
                    outD[k] = a[i];
                    outV[k++] = values[i];
                }
                i++;
            } else {
                if (!context.contains(b[j])) {
                    outD[k] = b[j];
                    outV[k++] = other.values[j];
                }
                j++;
            }
        }
        if (k == a.length && Arrays.equals(outD, 0, k, a, 0, k)) {
            return this;
        }
        return make(outD, outV, k);
    }

    @Override
    public DotFun<V> without(CausalContext context) {
        Dot[] outD = null;
        Object[] outV = null;
        int k = 0;
        for (int i = 0; i < dots.length; i++) {
            if (context.contains(dots[i])) {
                if (outD == null) {
                    outD = new Dot[dots.length];
                    outV = new Object[dots.length];
                    System.arraycopy(dots, 0, outD, 0, i);
                    System.arraycopy(values, 0, outV, 0, i);
                    k = i;
                }
            } else if (outD != null) {
                outD[k] = dots[i];
                outV[k++] = values[i];
            }
        }
        return outD == null ? this : make(outD, outV, k);
    }

    private static <V> DotFun<V> make(Dot[] d, Object[] v, int n) {
        if (n == 0) {
            return empty();
        }
        return new DotFun<>(n == d.length ? d : Arrays.copyOf(d, n), n == v.length ? v : Arrays.copyOf(v, n));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DotFun)) {
            return false;
        }
        DotFun<?> f = (DotFun<?>) o;
        return Arrays.equals(dots, f.dots) && Arrays.equals(values, f.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dots) * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < dots.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dots[i]).append('=').append(values[i]);
        }
        return sb.append('}').toString();
    }
}
