package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.CrdtCodec;
import dev.starling.crdt.codec.DecodeLimits;
import dev.starling.crdt.codec.StoreCodec;
import dev.starling.node.Value;
import dev.starling.node.ValueCodecs;
import dev.starling.node.replication.proto.v1.EntryProto;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class EntryCodecTest {

    private final EntryCodec codec = new EntryCodec(DecodeLimits.DEFAULT);
    private final CrdtCodec<Value, dev.starling.crdt.DotSet> states =
        new CrdtCodec<>(ValueCodecs.bytes(), StoreCodec.dotSet(DecodeLimits.DEFAULT), DecodeLimits.DEFAULT);

    /** What EntryProto's builder writes: the digests hash these bytes, so the hand-written encoder must match them. */
    private byte[] byBuilder(ObjectKey object, String key, Crdt<?> state) {
        EntryProto.Builder b = EntryProto.newBuilder().setKind(object.kind().tag()).setName(object.name())
            .setState(ByteString.copyFrom(states.encode(state)));
        if (key != null) {
            b.setKey(ByteString.copyFromUtf8(key));
        }
        return b.build().toByteArray();
    }

    @Property(tries = 300)
    void shouldEncodeAMapEntryAsItsBuilderDoes(@ForAll String key, @ForAll byte[] value,
            @ForAll @LongRange(min = 0, max = Hlc.MAX_PHYSICAL_MS) long physicalMs, @ForAll long writer) {
        ObjectKey object = new ObjectKey(ObjectKind.MAP, "cfg.a-b_1");
        LwwRegister<Value> state = LwwRegister.of(Value.of(value), new Hlc(physicalMs, 3, new ReplicaId(writer | 1)));
        assertThat(codec.encodeEntry(object, key, state)).isEqualTo(byBuilder(object, key, state));
    }

    @Property(tries = 100)
    void shouldEncodeAnObjectEntryAsItsBuilderDoes(@ForAll long amount, @ForAll long writer) {
        ObjectKey object = new ObjectKey(ObjectKind.COUNTER, "n");
        PnCounter state = PnCounter.empty().updateDelta(new ReplicaId(writer | 1), amount == Long.MIN_VALUE ? 0 : amount);
        assertThat(codec.encodeEntry(object, null, state)).isEqualTo(byBuilder(object, null, state));
        assertThat(codec.encodeEntry(object, null, PnCounter.empty())).isEqualTo(byBuilder(object, null, PnCounter.empty()));
    }
}
