package dev.starling.crdt;

import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BiConsumer;

/**
 * Observed-remove map [1, section 7.4]: keys map to nested causal CRDTs (OR-sets, multi-value or
 * embedding registers, other OR-maps, or any {@link DotStore}) that all share the map's causal
 * context. Updating a key runs the nested type's delta-mutator against the shared context; removing
 * a key removes the dots seen under it, so an update concurrent with the remove survives it
 * (update-wins), and a key removed and later written again starts from nothing rather than from its
 * old contents. Removed keys leave nothing behind.
 *
 * <p>Example: a collection is an OR-map docId -> record; A deletes doc 7 while B re-embeds it. B's
 * new embedding's dot is unseen by A's remove, so doc 7 survives with B's embedding only; the old
 * text and metadata, whose dots A's remove saw, are gone.
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 *
 * @param <K> key type, immutable with value equality
 * @param <S> nested dot store type
 */
public final class OrMap<K, S extends DotStore<S>> implements Crdt<OrMap<K, S>> {

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final OrMap<?, ?> EMPTY = new OrMap(DotMap.empty(), CausalContext.empty());

    private final DotMap<K, S> store;
    private final CausalContext context;

    private OrMap(DotMap<K, S> store, CausalContext context) {
        this.store = store;
        this.context = context;
    }

    @SuppressWarnings("unchecked")
    public static <K, S extends DotStore<S>> OrMap<K, S> empty() {
        return (OrMap<K, S>) EMPTY;
    }

    public static <K, S extends DotStore<S>> OrMap<K, S> of(DotMap<K, S> store, CausalContext context) {
        return new OrMap<>(Objects.requireNonNull(store, "store"), Objects.requireNonNull(context, "context"));
    }

    public DotMap<K, S> store() {
        return store;
    }

    public CausalContext context() {
        return context;
    }

    /** The nested store of {@code key}, or null when absent. Allocates nothing. */
    public S get(Object key) {
        return store.get(key);
    }

    public boolean containsKey(Object key) {
        return store.containsKey(key);
    }

    public int size() {
        return store.size();
    }

    public Set<K> keys() {
        return store.keys();
    }

    public void forEach(BiConsumer<? super K, ? super S> action) {
        store.forEach(action);
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    /**
     * The delta of updating {@code key}: {@code mutator} receives the key's nested store (or
     * {@code emptyNested} when absent) and the map's context, and returns the nested delta, for
     * example {@code (s, c) -> OrSet.addDelta(s, c, replica, "x")}.
     */
    public OrMap<K, S> updateDelta(K key, S emptyNested, BiFunction<S, CausalContext, Causal<S>> mutator) {
        Objects.requireNonNull(key, "key");
        S current = store.get(key);
        Causal<S> d = mutator.apply(current == null ? emptyNested : current, context);
        return new OrMap<>(DotMap.delta(key, d.store()), d.context());
    }

    /** The state after updating {@code key} (see {@link #updateDelta}). */
    public OrMap<K, S> update(K key, S emptyNested, BiFunction<S, CausalContext, Causal<S>> mutator) {
        Objects.requireNonNull(key, "key");
        S current = store.get(key);
        S base = current == null ? emptyNested : current;
        Causal<S> d = mutator.apply(base, context);
        S nested = base.join(context, d.store(), d.context());
        return new OrMap<>(store.with(key, nested), context.merge(d.context()));
    }

    /** The delta of removing {@code key}: the dots seen under it, and nothing in the store. */
    public OrMap<K, S> removeDelta(K key) {
        S current = store.get(key);
        if (current == null) {
            return new OrMap<>(DotMap.<K, S>emptyDelta(), CausalContext.empty());
        }
        return new OrMap<>(DotMap.<K, S>removal(key), Causal.dotsOf(current));
    }

    /** The state after removing {@code key}. */
    public OrMap<K, S> remove(K key) {
        return store.containsKey(key) ? new OrMap<>(store.withoutKey(key), context) : this;
    }

    @Override
    public OrMap<K, S> merge(OrMap<K, S> other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        return new OrMap<>(store.join(context, other.store, other.context), context.merge(other.context));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OrMap)) {
            return false;
        }
        OrMap<?, ?> m = (OrMap<?, ?>) o;
        return context.equals(m.context) && store.equals(m.store);
    }

    @Override
    public int hashCode() {
        return store.hashCode() * 31 + context.hashCode();
    }

    @Override
    public String toString() {
        return "OrMap" + store + " ctx=" + context;
    }
}
