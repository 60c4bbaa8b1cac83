package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.DotStore;
import dev.starling.crdt.proto.v1.DotFunEntryProto;
import dev.starling.crdt.proto.v1.DotFunProto;
import dev.starling.crdt.proto.v1.DotMapEntryProto;
import dev.starling.crdt.proto.v1.DotMapProto;
import dev.starling.crdt.proto.v1.DotSetProto;
import dev.starling.crdt.proto.v1.DotStoreProto;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Codec of a generic dot store, composed to match the nesting of an {@link dev.starling.crdt.OrMap}:
 * for example {@code dotMap(utf8(), dotSet())} for a map of OR-sets. The nesting depth is checked
 * against {@link DecodeLimits#maxDepth()}.
 *
 * @param <S> store type
 */
public abstract class StoreCodec<S extends DotStore<S>> {

    final DecodeLimits limits;

    private StoreCodec(DecodeLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public abstract DotStoreProto toProto(S store);

    /** Decodes a store at nesting {@code depth} (0 at the top). */
    public abstract S fromProto(DotStoreProto p, int depth) throws CrdtDecodeException;

    public static StoreCodec<DotSet> dotSet(DecodeLimits limits) {
        return new DotSetCodec(limits);
    }

    public static <V> StoreCodec<DotFun<V>> dotFun(DotValueCodec<V> values, DecodeLimits limits) {
        return new DotFunCodec<>(values, limits);
    }

    public static <K, S extends DotStore<S>> StoreCodec<DotMap<K, S>> dotMap(
            ValueCodec<K> keys, StoreCodec<S> nested, DecodeLimits limits) {
        return new DotMapCodec<>(keys, nested, limits);
    }

    private static final class DotSetCodec extends StoreCodec<DotSet> {
        DotSetCodec(DecodeLimits limits) {
            super(limits);
        }

        @Override
        public DotStoreProto toProto(DotSet store) {
            DotSetProto.Builder b = DotSetProto.newBuilder();
            store.forEachDot(d -> {
                b.addReplicas(d.replica().value());
                b.addCounters(d.counter());
            });
            return DotStoreProto.newBuilder().setSet(b).build();
        }

        @Override
        public DotSet fromProto(DotStoreProto p, int depth) throws CrdtDecodeException {
            if (p.getKindCase() != DotStoreProto.KindCase.SET) {
                throw new CrdtDecodeException("expected a dot set, got " + p.getKindCase());
            }
            DotSetProto s = p.getSet();
            return OrSetCodec.dotSet(s.getReplicasList(), s.getCountersList(), limits);
        }
    }

    private static final class DotFunCodec<V> extends StoreCodec<DotFun<V>> {
        private final DotValueCodec<V> values;

        DotFunCodec(DotValueCodec<V> values, DecodeLimits limits) {
            super(limits);
            this.values = Objects.requireNonNull(values, "values");
        }

        @Override
        public DotStoreProto toProto(DotFun<V> store) {
            DotFunProto.Builder b = DotFunProto.newBuilder();
            store.forEach((dot, v) -> b.addEntries(DotFunEntryProto.newBuilder()
                .setReplica(dot.replica().value())
                .setCounter(dot.counter())
                .setValue(ByteString.copyFrom(values.encode(dot, v)))));
            return DotStoreProto.newBuilder().setFun(b).build();
        }

        @Override
        public DotFun<V> fromProto(DotStoreProto p, int depth) throws CrdtDecodeException {
            if (p.getKindCase() != DotStoreProto.KindCase.FUN) {
                throw new CrdtDecodeException("expected a dot function, got " + p.getKindCase());
            }
            DotFunProto f = p.getFun();
            if (f.getEntriesCount() == 0) {
                throw new CrdtDecodeException("an entry without dots");
            }
            if (f.getEntriesCount() > limits.maxDotsPerEntry()) {
                throw new CrdtDecodeException("a register with " + f.getEntriesCount() + " siblings, over the limit of "
                    + limits.maxDotsPerEntry());
            }
            Map<Dot, V> entries = new HashMap<>();
            for (DotFunEntryProto e : f.getEntriesList()) {
                Dot dot = Wire.dot(e.getReplica(), e.getCounter());
                V v = values.decode(dot, Wire.bounded(e.getValue(), limits.maxValueBytes(), "value"));
                if (entries.put(dot, v) != null) {
                    throw new CrdtDecodeException("dot " + dot + " listed twice");
                }
            }
            DotFun<V> store = DotFun.of(entries);
            values.checkSiblings(store);
            return store;
        }
    }

    private static final class DotMapCodec<K, S extends DotStore<S>> extends StoreCodec<DotMap<K, S>> {
        private final ValueCodec<K> keys;
        private final StoreCodec<S> nested;

        DotMapCodec(ValueCodec<K> keys, StoreCodec<S> nested, DecodeLimits limits) {
            super(limits);
            this.keys = Objects.requireNonNull(keys, "keys");
            this.nested = Objects.requireNonNull(nested, "nested");
        }

        @Override
        public DotStoreProto toProto(DotMap<K, S> store) {
            return DotStoreProto.newBuilder().setMap(mapProto(store)).build();
        }

        DotMapProto mapProto(DotMap<K, S> store) {
            List<Map.Entry<byte[], S>> entries = new ArrayList<>(store.size());
            store.forEach((k, s) -> entries.add(new AbstractMap.SimpleImmutableEntry<>(keys.encode(k), s)));
            DotMapProto.Builder b = DotMapProto.newBuilder();
            for (Map.Entry<byte[], S> e : Wire.sortedByKey(entries)) {
                b.addEntries(DotMapEntryProto.newBuilder()
                    .setKey(ByteString.copyFrom(e.getKey()))
                    .setValue(nested.toProto(e.getValue())));
            }
            if (store.isKeyComplete()) {
                b.setKeyComplete(true);
                List<byte[]> removed = new ArrayList<>();
                for (K k : store.removedKeys()) {
                    removed.add(keys.encode(k));
                }
                for (byte[] r : Wire.sortedKeys(removed)) {
                    b.addRemoved(ByteString.copyFrom(r));
                }
            }
            return b.build();
        }

        @Override
        public DotMap<K, S> fromProto(DotStoreProto p, int depth) throws CrdtDecodeException {
            if (p.getKindCase() != DotStoreProto.KindCase.MAP) {
                throw new CrdtDecodeException("expected a dot map, got " + p.getKindCase());
            }
            DotMap<K, S> m = mapFromProto(p.getMap(), depth);
            if (m.isEmpty()) {
                throw new CrdtDecodeException("an entry without dots");
            }
            return m;
        }

        DotMap<K, S> mapFromProto(DotMapProto p, int depth) throws CrdtDecodeException {
            if (depth >= limits.maxDepth()) {
                throw new CrdtDecodeException("maps nested deeper than " + limits.maxDepth());
            }
            Map<K, S> entries = new HashMap<>(p.getEntriesCount() * 2);
            for (DotMapEntryProto e : p.getEntriesList()) {
                K key = keys.decode(Wire.bounded(e.getKey(), limits.maxKeyBytes(), "key"));
                S value = nested.fromProto(e.getValue(), depth + 1);
                if (!p.getKeyComplete() && value instanceof DotMap && ((DotMap<?, ?>) value).isKeyComplete()) {
                    // a state never holds a delta's index (see DotMap): the encoder cannot have written this
                    throw new CrdtDecodeException("key-complete map nested in a map that is not key-complete");
                }
                if (entries.put(key, value) != null) {
                    throw new CrdtDecodeException("map lists a key twice");
                }
            }
            Set<K> removed = null;
            if (p.getKeyComplete()) {
                removed = new HashSet<>();
                for (ByteString r : p.getRemovedList()) {
                    if (!removed.add(keys.decode(Wire.bounded(r, limits.maxKeyBytes(), "removed key")))) {
                        throw new CrdtDecodeException("map delta lists a removed key twice");
                    }
                }
            } else if (p.getRemovedCount() > 0) {
                throw new CrdtDecodeException("removed keys listed in a state that is not a key-complete delta");
            }
            return DotMap.of(entries, removed);
        }
    }

    /** The top-level map codec of an OR-map (its store may be empty, unlike a nested one). */
    static <K, S extends DotStore<S>> DotMapProto mapProto(StoreCodec<DotMap<K, S>> codec, DotMap<K, S> store) {
        return ((DotMapCodec<K, S>) codec).mapProto(store);
    }

    static <K, S extends DotStore<S>> DotMap<K, S> mapFromProto(StoreCodec<DotMap<K, S>> codec, DotMapProto p)
            throws CrdtDecodeException {
        return ((DotMapCodec<K, S>) codec).mapFromProto(p, 0);
    }
}
