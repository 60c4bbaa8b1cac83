package dev.starling.crdt;

import dev.starling.crdt.internal.PersistentHashMap;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A dot store mapping keys to nested dot stores: the payload of OR-sets ({@code DotMap<E, DotSet>})
 * and OR-maps. A key is present exactly while its nested store holds a dot; empty nested stores are
 * never kept, so a removed key leaves nothing behind (no tombstones).
 *
 * <h2>Joining a small delta into a large map</h2>
 * The join of [1] looks at every key of both sides, because a key the other side no longer has may
 * have been removed there. For a delta that is linear in the size of the replica. The way out used
 * here rests on one fact: a dot is created for one key and stays with it. A delta whose context
 * dots are either in its own store or belong to keys it lists in {@link #removedKeys()} is called
 * <em>key-complete</em>; joining it can only change the keys it holds or lists, so the join visits
 * those keys alone. Mutators create key-complete deltas (a remove lists the key it removed); joining
 * two key-complete deltas gives a key-complete delta group; anything else (a replica's full state)
 * is not key-complete ({@code removedKeys()} is null) and is joined key by key. The removed-keys
 * list is an index for speed, not state: it is ignored by {@link #equals(Object)}.
 *
 * <p>The index of a nested map is only valid against the context of the delta it came with. A
 * replica state therefore never holds a key-complete map at any depth ({@link #asState()}), and a
 * join drops the nested index of a key that the other side lists as removed (its context may hold
 * dots of nested keys the nested map does not list).
 *
 * <p>Immutable, on a persistent hash trie, so a join that changes one key copies O(log n) nodes.
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018, section 6.
 *
 * @param <K> key type, with value equality
 * @param <S> nested store type
 */
public final class DotMap<K, S extends DotStore<S>> implements DotStore<DotMap<K, S>> {

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final DotMap<?, ?> EMPTY_STATE = new DotMap(PersistentHashMap.empty(), null);
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final DotMap<?, ?> EMPTY_DELTA = new DotMap(PersistentHashMap.empty(), Set.of());

    private final PersistentHashMap<K, S> entries;
    /** Keys whose removal this delta carries; null when this is not a key-complete delta. */
    private final Set<K> removedKeys;

    private DotMap(PersistentHashMap<K, S> entries, Set<K> removedKeys) {
        this.entries = entries;
        this.removedKeys = removedKeys;
    }

    /** An empty replica state (not key-complete). */
    @SuppressWarnings("unchecked")
    public static <K, S extends DotStore<S>> DotMap<K, S> empty() {
        return (DotMap<K, S>) EMPTY_STATE;
    }

    /** An empty key-complete delta. */
    @SuppressWarnings("unchecked")
    public static <K, S extends DotStore<S>> DotMap<K, S> emptyDelta() {
        return (DotMap<K, S>) EMPTY_DELTA;
    }

    /**
     * A key-complete delta touching one key: the key holds {@code nested} when it is not empty,
     * and is listed as removed otherwise.
     */
    public static <K, S extends DotStore<S>> DotMap<K, S> delta(K key, S nested) {
        Objects.requireNonNull(key, "key");
        if (nested.isEmpty()) {
            return new DotMap<>(PersistentHashMap.<K, S>empty(), Set.of(key));
        }
        return new DotMap<>(PersistentHashMap.<K, S>empty().put(key, nested), Set.of());
    }

    /** A key-complete delta that removes {@code key} (its context says which dots). */
    public static <K, S extends DotStore<S>> DotMap<K, S> removal(K key) {
        return new DotMap<>(PersistentHashMap.<K, S>empty(), Set.of(Objects.requireNonNull(key, "key")));
    }

    /**
     * Builds a map from decoded parts. {@code removedKeys} null means not key-complete. Empty nested
     * stores are dropped.
     */
    public static <K, S extends DotStore<S>> DotMap<K, S> of(Map<K, S> entries, Set<K> removedKeys) {
        PersistentHashMap<K, S> m = PersistentHashMap.empty();
        for (Map.Entry<K, S> e : entries.entrySet()) {
            if (!e.getValue().isEmpty()) {
                m = m.put(e.getKey(), removedKeys == null ? e.getValue().asState() : e.getValue());
            }
        }
        return new DotMap<>(m, removedKeys == null ? null : Set.copyOf(removedKeys));
    }

    /** The nested store of {@code key}, or null when the key is absent. Allocates nothing. */
    public S get(Object key) {
        return entries.get(key);
    }

    public boolean containsKey(Object key) {
        return entries.containsKey(key);
    }

    public int size() {
        return entries.size();
    }

    @Override
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** True when this is a key-complete delta (see the class comment). */
    public boolean isKeyComplete() {
        return removedKeys != null;
    }

    /** The keys this key-complete delta removes, or null when it is not key-complete. */
    public Set<K> removedKeys() {
        return removedKeys;
    }

    /** This map as a replica state: same entries, not key-complete, and no nested map key-complete either. */
    @Override
    public DotMap<K, S> asState() {
        if (removedKeys == null) {
            return this;
        }
        PersistentHashMap<K, S> m = entries;
        for (Map.Entry<K, S> e : entries) {
            S s = e.getValue().asState();
            if (s != e.getValue()) {
                m = m.put(e.getKey(), s);
            }
        }
        return new DotMap<>(m, null);
    }

    /** This map with {@code key} holding {@code nested} (removed if empty), as a replica state. */
    public DotMap<K, S> with(K key, S nested) {
        Objects.requireNonNull(key, "key");
        return new DotMap<>(nested.isEmpty() ? entries.remove(key) : entries.put(key, nested.asState()), removedKeys)
            .asState();
    }

    /** This map without {@code key}, as a replica state. */
    public DotMap<K, S> withoutKey(Object key) {
        return new DotMap<>(entries.remove(key), removedKeys).asState();
    }

    public void forEach(BiConsumer<? super K, ? super S> action) {
        entries.forEach(action);
    }

    /** The keys, unordered and unmodifiable (a copy). */
    public Set<K> keys() {
        Set<K> keys = new HashSet<>(entries.size() * 2);
        entries.forEach((k, v) -> keys.add(k));
        return Collections.unmodifiableSet(keys);
    }

    @Override
    public void forEachDot(Consumer<? super Dot> action) {
        entries.forEach((k, s) -> s.forEachDot(action));
    }

    @Override
    public DotMap<K, S> join(CausalContext context, DotMap<K, S> other, CausalContext otherContext) {
        if (other == this) {
            return this;
        }
        if (other.isKeyComplete() && (!isKeyComplete() || other.touched() <= touched())) {
            return joinListed(this, context, other, otherContext);
        }
        if (isKeyComplete()) {
            return joinListed(other, otherContext, this, context);
        }
        return joinAll(context, other, otherContext);
    }

    @Override
    public DotMap<K, S> without(CausalContext context) {
        PersistentHashMap<K, S> result = entries;
        Set<K> removed = removedKeys == null ? null : new HashSet<>(removedKeys);
        for (Map.Entry<K, S> e : entries) {
            S s = e.getValue();
            S r = s.without(context);
            if (r.isEmpty()) {
                result = result.remove(e.getKey());
                if (removed != null) {
                    removed.add(e.getKey());
                }
            } else if (r != s) {
                result = result.put(e.getKey(), r);
            }
        }
        if (result == entries) {
            return this;
        }
        return new DotMap<>(result, removed == null ? null : Set.copyOf(removed));
    }

    private int touched() {
        return entries.size() + removedKeys.size();
    }

    /** Joins key-complete {@code small} into {@code base}, visiting only the keys {@code small} touches. */
    private static <K, S extends DotStore<S>> DotMap<K, S> joinListed(
            DotMap<K, S> base, CausalContext baseContext, DotMap<K, S> small, CausalContext smallContext) {
        PersistentHashMap<K, S> result = base.entries;
        Set<K> removed = base.isKeyComplete() ? new HashSet<>() : null;
        for (Map.Entry<K, S> e : small.entries) {
            boolean keepIndex = removed != null && !base.removedKeys.contains(e.getKey());
            result = joinKey(result, e.getKey(), baseContext, e.getValue(), smallContext, removed, keepIndex);
        }
        for (K key : small.removedKeys) {
            // A key that small also holds was joined above with small's whole context, which applied
            // the removal already; joining it again as removed would drop small's own (re-)added dots.
            if (!small.entries.containsKey(key)) {
                result = joinKey(result, key, baseContext, null, smallContext, removed, false);
            }
        }
        if (removed == null) {
            return result == base.entries ? base : new DotMap<>(result, null);
        }
        removed.addAll(base.removedKeys);
        removed.addAll(small.removedKeys);
        return new DotMap<>(result, Set.copyOf(removed));
    }

    /**
     * Joins one key. {@code keepIndex} false turns the joined nested store into a state: the result
     * is a state ({@code removed} null), or one side lists the key as removed.
     */
    private static <K, S extends DotStore<S>> PersistentHashMap<K, S> joinKey(PersistentHashMap<K, S> result,
            K key, CausalContext baseContext, S other, CausalContext otherContext, Set<K> removed, boolean keepIndex) {
        S mine = result.get(key);
        S joined;
        if (mine == null) {
            if (other == null) {
                return result;
            }
            joined = other.without(baseContext);
        } else if (other == null) {
            joined = mine.without(otherContext);
        } else {
            joined = mine.join(baseContext, other, otherContext);
        }
        if (!keepIndex) {
            joined = joined.asState();
        }
        if (joined.isEmpty()) {
            if (mine != null && removed != null) {
                removed.add(key);
            }
            return result.remove(key);
        }
        return joined == mine ? result : result.put(key, joined);
    }

    /** The general join of two states: every key of both sides. */
    private DotMap<K, S> joinAll(CausalContext context, DotMap<K, S> other, CausalContext otherContext) {
        DotMap<K, S> big = entries.size() >= other.entries.size() ? this : other;
        DotMap<K, S> small = big == this ? other : this;
        CausalContext bigContext = big == this ? context : otherContext;
        CausalContext smallContext = big == this ? otherContext : context;
        PersistentHashMap<K, S> result = big.entries;
        for (Map.Entry<K, S> e : big.entries) {
            if (!small.entries.containsKey(e.getKey())) {
                result = joinKey(result, e.getKey(), bigContext, null, smallContext, null, false);
            }
        }
        for (Map.Entry<K, S> e : small.entries) {
            result = joinKey(result, e.getKey(), bigContext, e.getValue(), smallContext, null, false);
        }
        return result == big.entries && big.removedKeys == null ? big : new DotMap<>(result, null);
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof DotMap && entries.equals(((DotMap<?, ?>) o).entries));
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.toString() + (removedKeys == null || removedKeys.isEmpty() ? "" : " removed=" + removedKeys);
    }
}
