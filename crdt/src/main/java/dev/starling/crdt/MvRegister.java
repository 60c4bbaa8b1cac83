package dev.starling.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Multi-value register [1, section 7.3]: a write replaces every value its writer had seen, so a
 * causally later write wins outright, while writes that did not see each other are all kept side
 * by side as siblings. How the siblings are read is the reader's choice, a {@link Resolver}
 * ({@link Resolvers#lww()}, an average, a union, or all the siblings); the state keeps them all so
 * that any reader, on any replica, sees the same thing.
 *
 * <p>Each sibling carries the HLC of its write (for the last-writer-wins reading). A write at
 * replica {@code r} gets a fresh dot of {@code r}; its delta is that one sibling plus a context of
 * the dots it replaces.
 *
 * <p>Example: A writes 1 (dot A:1). B receives it, then writes 2 (dot B:1, context {A:1}): B's write
 * saw A's, so the register is {2} everywhere. Had A written 3 (dot A:2) concurrently with B's 2,
 * both A:2 and B:1 survive: siblings {3, 2}; an average reader reads 2.5, an lww reader reads the
 * one with the higher HLC.
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 *
 * @param <V> the value type, immutable with value equality
 */
public final class MvRegister<V> implements Crdt<MvRegister<V>> {

    /** One surviving write: its dot, its HLC and its value. */
    public record Sibling<V>(Dot dot, Hlc hlc, V value) {
    }

    /** What the dot store keeps for each write. */
    public record Timestamped<V>(V value, Hlc hlc) {
        public Timestamped {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(hlc, "hlc");
        }
    }

    private static final MvRegister<?> EMPTY = new MvRegister<>(DotFun.empty(), CausalContext.empty());

    private final DotFun<Timestamped<V>> store;
    private final CausalContext context;

    private MvRegister(DotFun<Timestamped<V>> store, CausalContext context) {
        this.store = store;
        this.context = context;
    }

    @SuppressWarnings("unchecked")
    public static <V> MvRegister<V> empty() {
        return (MvRegister<V>) EMPTY;
    }

    public static <V> MvRegister<V> of(DotFun<Timestamped<V>> store, CausalContext context) {
        return new MvRegister<>(Objects.requireNonNull(store, "store"), Objects.requireNonNull(context, "context"));
    }

    public DotFun<Timestamped<V>> store() {
        return store;
    }

    public CausalContext context() {
        return context;
    }

    /** True when no write survives (never written, or cleared). */
    public boolean isEmpty() {
        return store.isEmpty();
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    /** The surviving writes, in dot order. */
    public List<Sibling<V>> siblings() {
        return siblingsOf(store);
    }

    /** The value as {@code resolver} reads the siblings. */
    public <R> R resolve(Resolver<V, R> resolver) {
        return resolver.resolve(siblings());
    }

    /** The delta of writing {@code value} at {@code hlc}'s replica: replaces every sibling seen here. */
    public MvRegister<V> writeDelta(Hlc hlc, V value) {
        Causal<DotFun<Timestamped<V>>> d = writeDelta(store, context, hlc, value);
        return new MvRegister<>(d.store(), d.context());
    }

    /** The delta of clearing the register: every sibling seen here is removed. */
    public MvRegister<V> clearDelta() {
        return new MvRegister<>(DotFun.empty(), store.toContext());
    }

    /** The state after writing {@code value} at {@code hlc}'s replica. */
    public MvRegister<V> write(Hlc hlc, V value) {
        Dot dot = context.nextDot(hlc.replica());
        return new MvRegister<>(DotFun.of(dot, new Timestamped<>(value, hlc)), context.add(dot));
    }

    /** The state after clearing the register. */
    public MvRegister<V> clear() {
        return new MvRegister<>(DotFun.empty(), context);
    }

    /** The write delta against any MV-register store (for example one nested in an {@link OrMap}). */
    public static <V> Causal<DotFun<Timestamped<V>>> writeDelta(
            DotFun<Timestamped<V>> store, CausalContext context, Hlc hlc, V value) {
        Dot dot = context.nextDot(hlc.replica());
        return new Causal<>(DotFun.of(dot, new Timestamped<>(value, hlc)), store.toContext().add(dot));
    }

    /** The siblings of any MV-register store, in dot order. */
    public static <V> List<Sibling<V>> siblingsOf(DotFun<Timestamped<V>> store) {
        List<Sibling<V>> out = new ArrayList<>(store.size());
        for (int i = 0; i < store.size(); i++) {
            Timestamped<V> t = store.valueAt(i);
            out.add(new Sibling<>(store.dotAt(i), t.hlc(), t.value()));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public MvRegister<V> merge(MvRegister<V> other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        return new MvRegister<>(store.join(context, other.store, other.context), context.merge(other.context));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof MvRegister)) {
            return false;
        }
        MvRegister<?> r = (MvRegister<?>) o;
        return context.equals(r.context) && store.equals(r.store);
    }

    @Override
    public int hashCode() {
        return store.hashCode() * 31 + context.hashCode();
    }

    @Override
    public String toString() {
        return "MvRegister" + store + " ctx=" + context;
    }
}
