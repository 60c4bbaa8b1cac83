package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.CausalContext;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.proto.v1.MvRegisterProto;
import dev.starling.crdt.proto.v1.MvSiblingProto;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** Codec of {@link MvRegister}: siblings in dot order, each with its HLC (whose replica is the dot's). */
public final class MvRegisterCodec<V> implements StateCodec<MvRegister<V>> {

    private final ValueCodec<V> values;
    private final DecodeLimits limits;

    public MvRegisterCodec(ValueCodec<V> values, DecodeLimits limits) {
        this.values = Objects.requireNonNull(values, "values");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(MvRegister<V> state) {
        return toProto(state).toByteArray();
    }

    @Override
    public MvRegister<V> decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(MvRegisterProto.parser(), bytes, limits));
    }

    public MvRegisterProto toProto(MvRegister<V> state) {
        MvRegisterProto.Builder b = MvRegisterProto.newBuilder();
        state.store().forEach((dot, t) -> b.addSiblings(MvSiblingProto.newBuilder()
            .setReplica(dot.replica().value())
            .setCounter(dot.counter())
            .setPhysicalMs(t.hlc().physicalMs())
            .setLogical(t.hlc().logical())
            .setValue(ByteString.copyFrom(values.encode(t.value())))));
        return b.setContext(Wire.context(state.context())).build();
    }

    public MvRegister<V> fromProto(MvRegisterProto p) throws CrdtDecodeException {
        if (p.getSiblingsCount() > limits.maxDotsPerEntry()) {
            throw new CrdtDecodeException("register with " + p.getSiblingsCount() + " siblings, over the limit of "
                + limits.maxDotsPerEntry());
        }
        CausalContext context = Wire.context(p.getContext());
        Map<Dot, Timestamped<V>> siblings = new HashMap<>();
        for (MvSiblingProto s : p.getSiblingsList()) {
            Dot dot = Wire.dot(s.getReplica(), s.getCounter());
            Hlc hlc = Wire.hlc(s.getPhysicalMs(), s.getLogical(), dot.replica());
            V value = values.decode(Wire.bounded(s.getValue(), limits.maxValueBytes(), "value"));
            if (value == null) {
                throw new CrdtDecodeException("register sibling without a value");
            }
            if (siblings.put(dot, new Timestamped<>(value, hlc)) != null) {
                throw new CrdtDecodeException("register lists dot " + dot + " twice");
            }
        }
        DotFun<Timestamped<V>> store = DotFun.of(siblings);
        Wire.requireCovered(store, context);
        return MvRegister.of(store, context);
    }
}
