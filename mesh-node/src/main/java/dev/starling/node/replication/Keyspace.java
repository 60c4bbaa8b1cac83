package dev.starling.node.replication;

import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.Document;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.CrdtDecodeException;
import dev.starling.node.Value;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The replicated objects of one replica and everything derived from them: the digest tree, the
 * store writes and the change reports. Every state change goes through {@link #join}, which joins,
 * stores the changed entry, updates its digest and reports what changed; so the four never disagree.
 */
final class Keyspace {

    private final EntryCodec codec;
    private final HybridLogicalClock clock;
    private final DigestTree tree = new DigestTree();
    private final Map<ObjectKey, Crdt<?>> objects = new HashMap<>();
    /** Per name, the bit set (by tag) of the kinds it holds: more than one after concurrent creation. */
    private final Map<String, Integer> kinds = new HashMap<>();
    private final long[] digest = new long[2];

    Keyspace(EntryCodec codec, HybridLogicalClock clock) {
        this.codec = codec;
        this.clock = clock;
    }

    DigestTree tree() {
        return tree;
    }

    Crdt<?> state(ObjectKey object) {
        return objects.get(object);
    }

    int objectCount() {
        return objects.size();
    }

    Set<ObjectKey> objects() {
        return Collections.unmodifiableSet(objects.keySet());
    }

    Set<ObjectKind> kindsOf(String name) {
        Integer bits = kinds.get(name);
        EnumSet<ObjectKind> set = EnumSet.noneOf(ObjectKind.class);
        if (bits != null) {
            for (ObjectKind k : ObjectKind.values()) {
                if ((bits & (1 << k.tag())) != 0) {
                    set.add(k);
                }
            }
        }
        return set;
    }

    boolean holdsOtherKind(ObjectKey object) {
        Integer bits = kinds.get(object.name());
        return bits != null && (bits & (1 << object.kind().tag())) == 0;
    }

    // ---- restart ----

    /** Collects stored entries; {@link #finishLoad()} builds the objects. */
    private final Map<ObjectKey, Map<String, LwwRegister<Value>>> loadingMaps = new HashMap<>();

    @SuppressWarnings("unchecked")
    void load(byte[] stored) throws CrdtDecodeException {
        EntryCodec.Decoded d = codec.decodeEntry(stored);
        if (d.object().kind() == ObjectKind.COLLECTION) {
            CollectionState c = (CollectionState) objects.getOrDefault(d.object(), CollectionState.EMPTY);
            objects.put(d.object(), d.key().isEmpty() ? c.withHeader((CollectionHeader) d.state())
                : c.with(d.key(), (Document<Value>) d.state()));
            addKind(d.object());
        } else if (d.object().kind().perKey()) {
            loadingMaps.computeIfAbsent(d.object(), k -> new HashMap<>()).put(d.key(), (LwwRegister<Value>) d.state());
        } else {
            objects.put(d.object(), d.state());
            addKind(d.object());
        }
        codec.digest(stored, digest);
        tree.put(d.object(), d.key(), codec.keyHash(d.object(), d.key()), digest[0], digest[1]);
    }

    void finishLoad() {
        for (Map.Entry<ObjectKey, Map<String, LwwRegister<Value>>> e : loadingMaps.entrySet()) {
            objects.put(e.getKey(), LwwMap.of(e.getValue()));
            addKind(e.getKey());
        }
        loadingMaps.clear();
    }

    // ---- the join ----

    /**
     * Joins {@code incoming} (a delta or a state of the entry's type) into the entry of
     * {@code object}/{@code key}; if that changes it, stores the entry, updates its digest and reports
     * the changes. Returns whether anything changed.
     *
     * @param hlc the write's HLC for a delta; null for a state learned by anti-entropy
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    boolean join(ObjectKey object, String key, Crdt<?> incoming, ReplicaId origin, Hlc hlc, Effects fx) {
        if (object.kind() == ObjectKind.COLLECTION) {
            return joinCollection(object, key, incoming, origin, hlc, fx);
        }
        if (object.kind().perKey()) {
            LwwMap<String, Value> map = (LwwMap<String, Value>) objects.getOrDefault(object, LwwMap.empty());
            LwwRegister<Value> in = (LwwRegister<Value>) incoming;
            LwwRegister<Value> old = map.entry(key);
            LwwRegister<Value> merged = old == null ? in : old.merge(in);
            if (merged.isBottom() || merged.equals(old)) {
                return false;
            }
            LwwMap<String, Value> next = merged.value() != null
                ? map.put(key, merged.value(), merged.hlc()) : map.remove(key, merged.hlc());
            objects.put(object, next);
            addKind(object);
            store(object, key, merged, fx);
            fx.changed(new Change(object, key, merged.value() != null ? Change.Op.PUT : Change.Op.REMOVE, origin,
                merged.hlc(), next));
            return true;
        }
        Crdt cur = objects.get(object);
        boolean existed = cur != null;
        if (!existed) {
            cur = empty(object.kind());
        }
        Crdt merged = (Crdt) cur.merge(incoming);
        if (existed ? merged.equals(cur) : merged.isBottom()) {
            return false;
        }
        objects.put(object, merged);
        addKind(object);
        store(object, null, merged, fx);
        switch (object.kind()) {
            case SET:
                reportSet(object, (OrSet<String>) cur, (OrSet<String>) merged, (OrSet<String>) incoming, origin, hlc, fx);
                break;
            case COUNTER:
                fx.changed(new Change(object, null, Change.Op.UPDATE, origin, hlc != null ? hlc : clock.now(), merged));
                break;
            default:
                fx.changed(new Change(object, null, Change.Op.WRITE, origin, hlc != null ? hlc : latest((MvRegister<?>) merged),
                    merged));
        }
        return true;
    }

    /**
     * A collection entry: the header (empty key) or one document. A document change is reported as
     * a put (live after) or a remove (deleted after, and live before); a header change as an update
     * of the collection itself (no key).
     */
    @SuppressWarnings("unchecked")
    private boolean joinCollection(ObjectKey object, String key, Crdt<?> incoming, ReplicaId origin, Hlc hlc,
                                   Effects fx) {
        CollectionState c = (CollectionState) objects.getOrDefault(object, CollectionState.EMPTY);
        if (key.isEmpty()) {
            CollectionHeader old = c.header();
            CollectionHeader merged = old.merge((CollectionHeader) incoming);
            if (merged.equals(old)) {
                return false;
            }
            CollectionState next = c.withHeader(merged);
            objects.put(object, next);
            addKind(object);
            store(object, key, merged, fx);
            fx.changed(new Change(object, null, Change.Op.UPDATE, origin, hlc != null ? hlc : clock.now(), next));
            return true;
        }
        Document<Value> old = c.document(key);
        Document<Value> in = (Document<Value>) incoming;
        Document<Value> merged = old == null ? in : old.merge(in);
        if (merged.isBottom() || merged.equals(old)) {
            return false;
        }
        CollectionState next = c.with(key, merged);
        objects.put(object, next);
        addKind(object);
        store(object, key, merged, fx);
        boolean wasLive = old != null && old.isLive();
        if (merged.isLive() || wasLive) {
            fx.changed(new Change(object, key, merged.isLive() ? Change.Op.PUT : Change.Op.REMOVE, origin,
                hlc != null ? hlc : clock.now(), next));
        }
        return true;
    }

    private Hlc latest(MvRegister<?> register) {
        Hlc max = null;
        for (MvRegister.Sibling<?> s : register.siblings()) {
            max = Hlc.max(max, s.hlc());
        }
        return max != null ? max : clock.now();
    }

    private void reportSet(ObjectKey object, OrSet<String> before, OrSet<String> after, OrSet<String> incoming,
            ReplicaId origin, Hlc hlc, Effects fx) {
        Set<String> touched;
        if (incoming.store().isKeyComplete()) {
            touched = new HashSet<>(incoming.store().keys());
            touched.addAll(incoming.store().removedKeys());
        } else {
            touched = new HashSet<>(before.store().keys());
            touched.addAll(after.store().keys());
        }
        Hlc at = hlc;
        for (String e : sorted(touched)) {
            DotSet was = before.store().get(e);
            DotSet now = after.store().get(e);
            Change.Op op = null;
            if (now != null && !now.equals(was)) {
                op = Change.Op.ADD;
            } else if (now == null && was != null) {
                op = Change.Op.REMOVE;
            }
            if (op != null) {
                if (at == null) {
                    at = clock.now();
                }
                fx.changed(new Change(object, e, op, origin, at, after));
            }
        }
    }

    private static java.util.List<String> sorted(Set<String> s) {
        java.util.List<String> l = new java.util.ArrayList<>(s);
        Collections.sort(l);
        return l;
    }

    private void store(ObjectKey object, String key, Crdt<?> state, Effects fx) {
        byte[] bytes = codec.encodeEntry(object, key, state);
        fx.store().putObject(EntryCodec.storeKey(object, key), bytes);
        codec.digest(bytes, digest);
        tree.put(object, key, codec.keyHash(object, key), digest[0], digest[1]);
    }

    /** The current state of one entry (a map key's register, or the object), or null. */
    Crdt<?> entryState(ObjectKey object, String key) {
        Crdt<?> s = objects.get(object);
        if (s == null || key == null) {
            return s;
        }
        if (s instanceof CollectionState c) {
            return key.isEmpty() ? (c.header().isBottom() ? null : c.header()) : c.document(key);
        }
        return ((LwwMap<?, ?>) s).entry(key);
    }

    private void addKind(ObjectKey object) {
        kinds.merge(object.name(), 1 << object.kind().tag(), (a, b) -> a | b);
    }

    static Crdt<?> empty(ObjectKind kind) {
        switch (kind) {
            case MAP:
                return LwwMap.empty();
            case SET:
                return OrSet.empty();
            case COUNTER:
                return PnCounter.empty();
            case COLLECTION:
                return CollectionState.EMPTY;
            default:
                return MvRegister.empty();
        }
    }
}
