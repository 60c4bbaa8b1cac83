package dev.starling.crdt;

import java.util.Objects;

/**
 * Last-writer-wins register [1, section 3.2.1]: the value of the write with the highest
 * {@link Hlc}. The HLC orders physical time, then the logical counter, then the replica id, so the
 * choice is total and the same on every replica; since one clock never issues one HLC twice, two
 * different writes never tie. A null value is a deletion (a tombstone, which must be kept so that
 * an older write arriving later cannot bring the value back).
 *
 * <p>Example: A writes "x" at 10:00:00.000 and B writes "y" at 10:00:00.002; every replica ends
 * with "y", whichever arrives last. Concurrent writes within the same millisecond and logical
 * count are decided by the replica id.
 *
 * <p>The state is its own delta: a write's delta is the new register.
 *
 * <p>[1] M. Shapiro, N. Preguiça, C. Baquero, M. Zawirski, "A comprehensive study of Convergent and
 * Commutative Replicated Data Types", INRIA RR-7506, 2011.
 *
 * @param <V> value type, immutable with value equality
 */
public final class LwwRegister<V> implements Crdt<LwwRegister<V>> {

    private static final LwwRegister<?> EMPTY = new LwwRegister<>(null, null);

    private final V value;
    private final Hlc hlc;

    private LwwRegister(V value, Hlc hlc) {
        this.value = value;
        this.hlc = hlc;
    }

    @SuppressWarnings("unchecked")
    public static <V> LwwRegister<V> empty() {
        return (LwwRegister<V>) EMPTY;
    }

    /** A register holding {@code value} (null for a deletion) written at {@code hlc}. */
    public static <V> LwwRegister<V> of(V value, Hlc hlc) {
        return new LwwRegister<>(value, Objects.requireNonNull(hlc, "hlc"));
    }

    /** The value, or null when empty or deleted. */
    public V value() {
        return value;
    }

    /** The HLC of the winning write, or null when never written. */
    public Hlc hlc() {
        return hlc;
    }

    /** True when the winning write is a deletion. */
    public boolean isDeleted() {
        return hlc != null && value == null;
    }

    @Override
    public boolean isBottom() {
        return hlc == null;
    }

    /** The state after (and the delta of) writing {@code value} at {@code hlc}. */
    public LwwRegister<V> write(V value, Hlc hlc) {
        return merge(of(value, hlc));
    }

    @Override
    public LwwRegister<V> merge(LwwRegister<V> other) {
        if (other.hlc == null) {
            return this;
        }
        if (hlc == null) {
            return other;
        }
        return other.hlc.compareTo(hlc) > 0 ? other : this;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LwwRegister)) {
            return false;
        }
        LwwRegister<?> r = (LwwRegister<?>) o;
        return Objects.equals(hlc, r.hlc) && Objects.equals(value, r.value);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(hlc) * 31 + Objects.hashCode(value);
    }

    @Override
    public String toString() {
        return "LwwRegister[" + (isDeleted() ? "<deleted>" : value) + " @ " + hlc + "]";
    }
}
