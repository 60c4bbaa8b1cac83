package dev.starling.crdt.codec;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.DotStore;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.proto.v1.CrdtProto;
import java.util.Objects;

/**
 * Encodes any state of the keyspace tagged with its type, as the store keeps it and replication
 * ships it. Keys, set elements and OR-map keys are strings; register and map values use the given
 * value codec; OR-map values use the given store codec. An unknown type tag is a
 * {@link CrdtDecodeException}.
 *
 * @param <V> register and map value type
 * @param <S> OR-map nested store type
 */
public final class CrdtCodec<V, S extends DotStore<S>> implements StateCodec<Crdt<?>> {

    private final DecodeLimits limits;
    private final LwwRegisterCodec<V> lwwRegister;
    private final LwwMapCodec<String, V> lwwMap;
    private final MvRegisterCodec<V> mvRegister;
    private final EmbeddingRegisterCodec embedding;
    private final OrSetCodec<String> orSet;
    private final OrMapCodec<String, S> orMap;
    private final PnCounterCodec counter;

    public CrdtCodec(ValueCodec<V> values, StoreCodec<S> orMapValues, DecodeLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.lwwRegister = new LwwRegisterCodec<>(values, limits);
        this.lwwMap = new LwwMapCodec<>(ValueCodec.utf8(), values, limits);
        this.mvRegister = new MvRegisterCodec<>(values, limits);
        this.embedding = new EmbeddingRegisterCodec(limits);
        this.orSet = new OrSetCodec<>(ValueCodec.utf8(), limits);
        this.orMap = new OrMapCodec<>(ValueCodec.utf8(), orMapValues, limits);
        this.counter = new PnCounterCodec(limits);
    }

    @Override
    @SuppressWarnings("unchecked")
    public byte[] encode(Crdt<?> state) {
        CrdtProto.Builder b = CrdtProto.newBuilder();
        if (state instanceof LwwRegister) {
            b.setLwwRegister(lwwRegister.toProto((LwwRegister<V>) state));
        } else if (state instanceof LwwMap) {
            b.setLwwMap(lwwMap.toProto((LwwMap<String, V>) state));
        } else if (state instanceof MvRegister) {
            b.setMvRegister(mvRegister.toProto((MvRegister<V>) state));
        } else if (state instanceof EmbeddingRegister) {
            b.setEmbeddingRegister(embedding.toProto((EmbeddingRegister) state));
        } else if (state instanceof OrSet) {
            b.setOrSet(orSet.toProto((OrSet<String>) state));
        } else if (state instanceof OrMap) {
            b.setOrMap(orMap.toProto((OrMap<String, S>) state));
        } else if (state instanceof PnCounter) {
            b.setPnCounter(counter.toProto((PnCounter) state));
        } else {
            throw new IllegalArgumentException("no codec for " + state.getClass().getName());
        }
        return b.build().toByteArray();
    }

    @Override
    public Crdt<?> decode(byte[] bytes) throws CrdtDecodeException {
        CrdtProto p = Wire.parse(CrdtProto.parser(), bytes, limits);
        switch (p.getKindCase()) {
            case LWW_REGISTER:
                return lwwRegister.fromProto(p.getLwwRegister());
            case LWW_MAP:
                return lwwMap.fromProto(p.getLwwMap());
            case MV_REGISTER:
                return mvRegister.fromProto(p.getMvRegister());
            case EMBEDDING_REGISTER:
                return embedding.fromProto(p.getEmbeddingRegister());
            case OR_SET:
                return orSet.fromProto(p.getOrSet());
            case OR_MAP:
                return orMap.fromProto(p.getOrMap());
            case PN_COUNTER:
                return counter.fromProto(p.getPnCounter());
            default:
                throw new CrdtDecodeException("unknown CRDT type " + p.getKindCase());
        }
    }
}
