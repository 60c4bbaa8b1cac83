package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.CausalContext;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.proto.v1.EmbeddingProto;
import dev.starling.crdt.proto.v1.EmbeddingRegisterProto;
import dev.starling.crdt.proto.v1.EmbeddingSiblingProto;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Codec of {@link EmbeddingRegister}: siblings in dot order, each the int8 components, the scale
 * and the model. A 384-dimension write delta is about 440 bytes (see docs/benchmarks.md).
 */
public final class EmbeddingRegisterCodec implements StateCodec<EmbeddingRegister> {

    private final DecodeLimits limits;

    public EmbeddingRegisterCodec(DecodeLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(EmbeddingRegister state) {
        return toProto(state).toByteArray();
    }

    @Override
    public EmbeddingRegister decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(EmbeddingRegisterProto.parser(), bytes, limits));
    }

    public EmbeddingRegisterProto toProto(EmbeddingRegister state) {
        EmbeddingRegisterProto.Builder b = EmbeddingRegisterProto.newBuilder();
        state.store().forEach((dot, v) -> b.addSiblings(sibling(dot.replica().value(), dot.counter(), v)));
        return b.setContext(Wire.context(state.context())).build();
    }

    /** One embedding sibling: its dot ({@code replica} 0 for an implied one) and its value. */
    static EmbeddingSiblingProto.Builder sibling(long replica, long counter, EmbeddingValue v) {
        return EmbeddingSiblingProto.newBuilder()
            .setReplica(replica)
            .setCounter(counter)
            .setModelGeneration(v.model().generation())
            .setModelFingerprint(v.model().fingerprint())
            .setScale(v.scale())
            .setQuantized(ByteString.copyFrom(v.quantized()));
    }

    public EmbeddingRegister fromProto(EmbeddingRegisterProto p) throws CrdtDecodeException {
        if (p.getSiblingsCount() > limits.maxDotsPerEntry()) {
            throw new CrdtDecodeException("register with " + p.getSiblingsCount() + " siblings, over the limit of "
                + limits.maxDotsPerEntry());
        }
        CausalContext context = Wire.context(p.getContext());
        Map<Dot, EmbeddingValue> siblings = new HashMap<>();
        for (EmbeddingSiblingProto s : p.getSiblingsList()) {
            Dot dot = Wire.dot(s.getReplica(), s.getCounter());
            EmbeddingValue v = embedding(s.getModelGeneration(), s.getModelFingerprint(), s.getScale(), s.getQuantized());
            if (siblings.put(dot, v) != null) {
                throw new CrdtDecodeException("register lists dot " + dot + " twice");
            }
        }
        DotFun<EmbeddingValue> store = DotFun.of(siblings);
        requireAgreeingDimensions(store);
        Wire.requireCovered(store, context);
        return EmbeddingRegister.of(store, context);
    }

    /** Siblings of one model must have one dimension (only a faulty peer writes others). */
    static void requireAgreeingDimensions(DotFun<EmbeddingValue> siblings) throws CrdtDecodeException {
        Map<ModelVersion, Integer> dimensions = new HashMap<>();
        for (int i = 0; i < siblings.size(); i++) {
            EmbeddingValue v = siblings.valueAt(i);
            Integer dims = dimensions.putIfAbsent(v.model(), v.dimensions());
            if (dims != null && dims != v.dimensions()) {
                throw new CrdtDecodeException("siblings of model " + v.model() + " have dimensions " + dims
                    + " and " + v.dimensions());
            }
        }
    }

    /** The bytes of one embedding value alone (for nesting in generic dot stores). */
    public static byte[] encodeValue(EmbeddingValue v) {
        return EmbeddingProto.newBuilder()
            .setModelGeneration(v.model().generation())
            .setModelFingerprint(v.model().fingerprint())
            .setScale(v.scale())
            .setQuantized(ByteString.copyFrom(v.quantized()))
            .build()
            .toByteArray();
    }

    /** Decodes {@link #encodeValue}. */
    public static EmbeddingValue decodeValue(byte[] bytes, DecodeLimits limits) throws CrdtDecodeException {
        EmbeddingProto p = Wire.parse(EmbeddingProto.parser(), bytes, limits);
        return embedding(p.getModelGeneration(), p.getModelFingerprint(), p.getScale(), p.getQuantized());
    }

    static EmbeddingValue embedding(int generation, long fingerprint, float scale, ByteString quantized)
            throws CrdtDecodeException {
        if (generation < 0) {
            throw new CrdtDecodeException("model generation over 2^31-1");
        }
        if (quantized.isEmpty() || quantized.size() > EmbeddingValue.MAX_DIMENSIONS) {
            throw new CrdtDecodeException("embedding dimension must be 1.." + EmbeddingValue.MAX_DIMENSIONS + ": "
                + quantized.size());
        }
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new CrdtDecodeException("embedding scale must be finite and positive: " + scale);
        }
        return EmbeddingValue.of(new ModelVersion(generation, fingerprint), scale, quantized.toByteArray());
    }
}
