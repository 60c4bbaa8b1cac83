package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.proto.v1.LwwRegisterProto;
import java.util.Objects;

/** Codec of {@link LwwRegister}. */
public final class LwwRegisterCodec<V> implements StateCodec<LwwRegister<V>> {

    private final ValueCodec<V> values;
    private final DecodeLimits limits;

    public LwwRegisterCodec(ValueCodec<V> values, DecodeLimits limits) {
        this.values = Objects.requireNonNull(values, "values");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(LwwRegister<V> state) {
        return toProto(state).toByteArray();
    }

    @Override
    public LwwRegister<V> decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(LwwRegisterProto.parser(), bytes, limits));
    }

    public LwwRegisterProto toProto(LwwRegister<V> state) {
        LwwRegisterProto.Builder b = LwwRegisterProto.newBuilder();
        Hlc hlc = state.hlc();
        if (hlc == null) {
            return b.build();
        }
        if (state.value() != null) {
            b.setValue(ByteString.copyFrom(values.encode(state.value())));
        }
        return b.setPhysicalMs(hlc.physicalMs()).setLogical(hlc.logical()).setReplica(hlc.replica().value()).build();
    }

    public LwwRegister<V> fromProto(LwwRegisterProto p) throws CrdtDecodeException {
        if (p.getReplica() == 0 && p.getPhysicalMs() == 0 && p.getLogical() == 0 && !p.hasValue()) {
            return LwwRegister.empty();
        }
        Hlc hlc = Wire.hlc(p.getPhysicalMs(), p.getLogical(), Wire.replica(p.getReplica()));
        V value = p.hasValue() ? values.decode(Wire.bounded(p.getValue(), limits.maxValueBytes(), "value")) : null;
        return LwwRegister.of(value, hlc);
    }
}
