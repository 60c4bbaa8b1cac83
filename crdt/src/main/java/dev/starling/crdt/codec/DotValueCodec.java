package dev.starling.crdt.codec;

import dev.starling.crdt.Dot;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.proto.v1.MvSiblingProto;
import com.google.protobuf.ByteString;

/**
 * Encodes the values of a {@link dev.starling.crdt.DotFun}; the dot is passed in so what it already
 * says (the writer's replica) need not be repeated in the bytes.
 *
 * @param <V> value type
 */
public interface DotValueCodec<V> {

    byte[] encode(Dot dot, V value);

    V decode(Dot dot, byte[] bytes) throws CrdtDecodeException;

    /**
     * Checks the decoded values of one dot function together (for example that embeddings of one
     * model agree on dimension). Accepts anything by default.
     */
    default void checkSiblings(DotFun<V> siblings) throws CrdtDecodeException {
    }

    /** Multi-value register siblings: value and HLC, the HLC's replica taken from the dot. */
    static <V> DotValueCodec<Timestamped<V>> timestamped(ValueCodec<V> values, DecodeLimits limits) {
        return new DotValueCodec<>() {
            @Override
            public byte[] encode(Dot dot, Timestamped<V> t) {
                return MvSiblingProto.newBuilder()
                    .setPhysicalMs(t.hlc().physicalMs())
                    .setLogical(t.hlc().logical())
                    .setValue(ByteString.copyFrom(values.encode(t.value())))
                    .build()
                    .toByteArray();
            }

            @Override
            public Timestamped<V> decode(Dot dot, byte[] bytes) throws CrdtDecodeException {
                MvSiblingProto p = Wire.parse(MvSiblingProto.parser(), bytes, limits);
                Hlc hlc = Wire.hlc(p.getPhysicalMs(), p.getLogical(), dot.replica());
                V value = values.decode(Wire.bounded(p.getValue(), limits.maxValueBytes(), "value"));
                if (value == null) {
                    throw new CrdtDecodeException("register sibling without a value");
                }
                return new Timestamped<>(value, hlc);
            }
        };
    }

    /** Embedding register siblings. */
    static DotValueCodec<EmbeddingValue> embedding(DecodeLimits limits) {
        return new DotValueCodec<>() {
            @Override
            public byte[] encode(Dot dot, EmbeddingValue value) {
                return EmbeddingRegisterCodec.encodeValue(value);
            }

            @Override
            public EmbeddingValue decode(Dot dot, byte[] bytes) throws CrdtDecodeException {
                return EmbeddingRegisterCodec.decodeValue(bytes, limits);
            }

            @Override
            public void checkSiblings(DotFun<EmbeddingValue> siblings) throws CrdtDecodeException {
                EmbeddingRegisterCodec.requireAgreeingDimensions(siblings);
            }
        };
    }
}
