package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.proto.v1.LwwMapEntryProto;
import dev.starling.crdt.proto.v1.LwwMapProto;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Codec of {@link LwwMap}: entries sorted by encoded key; tombstones have no value. */
public final class LwwMapCodec<K, V> implements StateCodec<LwwMap<K, V>> {

    private final ValueCodec<K> keys;
    private final ValueCodec<V> values;
    private final DecodeLimits limits;

    public LwwMapCodec(ValueCodec<K> keys, ValueCodec<V> values, DecodeLimits limits) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.values = Objects.requireNonNull(values, "values");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(LwwMap<K, V> state) {
        return toProto(state).toByteArray();
    }

    @Override
    public LwwMap<K, V> decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(LwwMapProto.parser(), bytes, limits));
    }

    public LwwMapProto toProto(LwwMap<K, V> state) {
        List<Map.Entry<byte[], LwwRegister<V>>> entries = new ArrayList<>(state.entryCount());
        state.forEachEntry((k, r) -> entries.add(new AbstractMap.SimpleImmutableEntry<>(keys.encode(k), r)));
        LwwMapProto.Builder b = LwwMapProto.newBuilder();
        for (Map.Entry<byte[], LwwRegister<V>> e : Wire.sortedByKey(entries)) {
            LwwRegister<V> r = e.getValue();
            Hlc hlc = r.hlc();
            LwwMapEntryProto.Builder eb = LwwMapEntryProto.newBuilder()
                .setKey(ByteString.copyFrom(e.getKey()))
                .setPhysicalMs(hlc.physicalMs())
                .setLogical(hlc.logical())
                .setReplica(hlc.replica().value());
            if (r.value() != null) {
                eb.setValue(ByteString.copyFrom(values.encode(r.value())));
            }
            b.addEntries(eb);
        }
        return b.build();
    }

    public LwwMap<K, V> fromProto(LwwMapProto p) throws CrdtDecodeException {
        Map<K, LwwRegister<V>> entries = new HashMap<>(p.getEntriesCount() * 2);
        for (LwwMapEntryProto e : p.getEntriesList()) {
            K key = keys.decode(Wire.bounded(e.getKey(), limits.maxKeyBytes(), "key"));
            Hlc hlc = Wire.hlc(e.getPhysicalMs(), e.getLogical(), Wire.replica(e.getReplica()));
            V value = e.hasValue() ? values.decode(Wire.bounded(e.getValue(), limits.maxValueBytes(), "value")) : null;
            if (entries.put(key, LwwRegister.of(value, hlc)) != null) {
                throw new CrdtDecodeException("LWW map lists a key twice");
            }
        }
        return LwwMap.of(entries);
    }
}
