package dev.starling.crdt.codec;

import dev.starling.crdt.CausalContext;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotStore;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.proto.v1.OrMapProto;
import java.util.Objects;

/** Codec of {@link OrMap}: the key-to-store map, encoded by a {@link StoreCodec#dotMap}, and the context. */
public final class OrMapCodec<K, S extends DotStore<S>> implements StateCodec<OrMap<K, S>> {

    private final StoreCodec<DotMap<K, S>> store;
    private final DecodeLimits limits;

    public OrMapCodec(ValueCodec<K> keys, StoreCodec<S> nested, DecodeLimits limits) {
        this.store = StoreCodec.dotMap(keys, nested, limits);
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(OrMap<K, S> state) {
        return toProto(state).toByteArray();
    }

    @Override
    public OrMap<K, S> decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(OrMapProto.parser(), bytes, limits));
    }

    public OrMapProto toProto(OrMap<K, S> state) {
        return OrMapProto.newBuilder()
            .setStore(StoreCodec.mapProto(store, state.store()))
            .setContext(Wire.context(state.context()))
            .build();
    }

    public OrMap<K, S> fromProto(OrMapProto p) throws CrdtDecodeException {
        CausalContext context = Wire.context(p.getContext());
        DotMap<K, S> map = StoreCodec.mapFromProto(store, p.getStore());
        Wire.requireCovered(map, context);
        return OrMap.of(map, context);
    }
}
