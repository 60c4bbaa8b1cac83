package dev.starling.crdt;

import dev.starling.crdt.internal.PersistentHashMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Last-writer-wins map: a document whose keys (field paths) are independent {@link LwwRegister}s,
 * so concurrent writes to different keys both survive and concurrent writes to the same key are
 * decided by the highest HLC. A delete is a write of a tombstone, which is kept so that an older
 * write arriving later cannot revive the key (collecting tombstones once every replica has seen
 * them is the replication layer's job: it knows when that is).
 *
 * <p>Example: the document {temperature: 0.7, prompt: "hi"}; A sets temperature 0.2 while B sets
 * prompt "hello". Each delta holds one key; every replica ends with {temperature: 0.2, prompt: "hello"}.
 *
 * <p>Immutable, on a persistent hash trie: {@link #get} is a lookup that allocates nothing, and a
 * one-key delta joins into a map of a million keys by copying O(log n) trie nodes.
 *
 * @param <K> key type, immutable with value equality
 * @param <V> value type, immutable with value equality
 */
public final class LwwMap<K, V> implements Crdt<LwwMap<K, V>> {

    private static final LwwMap<?, ?> EMPTY = new LwwMap<>(PersistentHashMap.empty(), 0);

    private final PersistentHashMap<K, LwwRegister<V>> entries;
    private final int live;

    private LwwMap(PersistentHashMap<K, LwwRegister<V>> entries, int live) {
        this.entries = entries;
        this.live = live;
    }

    @SuppressWarnings("unchecked")
    public static <K, V> LwwMap<K, V> empty() {
        return (LwwMap<K, V>) EMPTY;
    }

    /** A map from its entries, tombstones included (used by decoders). Bottom registers are skipped. */
    public static <K, V> LwwMap<K, V> of(Map<K, LwwRegister<V>> entries) {
        PersistentHashMap<K, LwwRegister<V>> m = PersistentHashMap.empty();
        int live = 0;
        for (Map.Entry<K, LwwRegister<V>> e : entries.entrySet()) {
            LwwRegister<V> r = e.getValue();
            if (!r.isBottom()) {
                m = m.put(Objects.requireNonNull(e.getKey(), "key"), r);
                live += r.isDeleted() ? 0 : 1;
            }
        }
        return new LwwMap<>(m, live);
    }

    /** The value of {@code key}, or null when absent or deleted. Allocates nothing. */
    public V get(Object key) {
        LwwRegister<V> r = entries.get(key);
        return r == null ? null : r.value();
    }

    /** The register of {@code key} (tombstones included), or null when never written. */
    public LwwRegister<V> entry(Object key) {
        return entries.get(key);
    }

    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    /** Number of live (not deleted) keys. */
    public int size() {
        return live;
    }

    /** Number of keys including tombstones. */
    public int entryCount() {
        return entries.size();
    }

    @Override
    public boolean isBottom() {
        return entries.isEmpty();
    }

    /** Every entry, tombstones included, unordered. */
    public void forEachEntry(BiConsumer<? super K, ? super LwwRegister<V>> action) {
        entries.forEach(action);
    }

    /** The live keys and values (a copy). */
    public Map<K, V> toMap() {
        Map<K, V> m = new HashMap<>(live * 2);
        entries.forEach((k, r) -> {
            if (r.value() != null) {
                m.put(k, r.value());
            }
        });
        return m;
    }

    /** The delta of writing {@code value} to {@code key} at {@code hlc}. */
    public LwwMap<K, V> putDelta(K key, V value, Hlc hlc) {
        Objects.requireNonNull(value, "value");
        return new LwwMap<>(PersistentHashMap.<K, LwwRegister<V>>empty().put(key, LwwRegister.of(value, hlc)), 1);
    }

    /** The delta of deleting {@code key} at {@code hlc}. */
    public LwwMap<K, V> removeDelta(K key, Hlc hlc) {
        return new LwwMap<>(PersistentHashMap.<K, LwwRegister<V>>empty().put(key, LwwRegister.of(null, hlc)), 0);
    }

    /** The state after writing {@code value} to {@code key} at {@code hlc}. */
    public LwwMap<K, V> put(K key, V value, Hlc hlc) {
        Objects.requireNonNull(value, "value");
        return with(key, LwwRegister.of(value, hlc));
    }

    /** The state after deleting {@code key} at {@code hlc}. */
    public LwwMap<K, V> remove(K key, Hlc hlc) {
        return with(key, LwwRegister.of(null, hlc));
    }

    private LwwMap<K, V> with(K key, LwwRegister<V> incoming) {
        Objects.requireNonNull(key, "key");
        LwwRegister<V> old = entries.get(key);
        if (old != null && !incoming.hlc().isAfter(old.hlc())) {
            return this;
        }
        int l = live - (old == null || old.isDeleted() ? 0 : 1) + (incoming.isDeleted() ? 0 : 1);
        return new LwwMap<>(entries.put(key, incoming), l);
    }

    @Override
    public LwwMap<K, V> merge(LwwMap<K, V> other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        if (isBottom()) {
            return other;
        }
        LwwMap<K, V> big = entries.size() >= other.entries.size() ? this : other;
        LwwMap<K, V> small = big == this ? other : this;
        Merger<K, V> merger = new Merger<>(big);
        small.entries.forEach(merger);
        return merger.result;
    }

    /** Folds entries into a map; a plain accumulator, so a one-entry delta needs no iterator. */
    private static final class Merger<K, V> implements BiConsumer<K, LwwRegister<V>> {
        LwwMap<K, V> result;

        Merger(LwwMap<K, V> start) {
            this.result = start;
        }

        @Override
        public void accept(K key, LwwRegister<V> register) {
            result = result.with(key, register);
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof LwwMap && entries.equals(((LwwMap<?, ?>) o).entries));
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "LwwMap" + entries;
    }
}
