package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.DecodeLimits;
import dev.starling.node.Value;
import dev.starling.node.replication.proto.v1.AeLevelProto;
import dev.starling.node.replication.proto.v1.AeWantProto;
import dev.starling.node.replication.proto.v1.AeBucketsProto;
import dev.starling.node.replication.proto.v1.AeRequestProto;
import dev.starling.node.replication.proto.v1.DeltaAckProto;
import dev.starling.node.replication.proto.v1.DeltaRecordProto;
import dev.starling.node.replication.proto.v1.DeltasProto;
import dev.starling.node.replication.proto.v1.EntryProto;
import dev.starling.node.replication.proto.v1.AeEntriesProto;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class HostileMessageTest {

    private final TestCluster c = new TestCluster(2);
    private final TestCluster.Node a = c.node(0);
    private final ReplicaId peer = c.node(1).id;
    private final EntryCodec codec = new EntryCodec(DecodeLimits.DEFAULT);

    private void receive(int type, byte[] payload) {
        a.step(fx -> a.replicator.onMessage(peer, type, payload, c.nowMs, fx));
    }

    private byte[] record(String name, String key, Hlc hlc) {
        return DeltaRecordProto.newBuilder().setKind(ObjectKind.MAP.tag()).setName(name)
            .setKey(ByteString.copyFromUtf8(key))
            .setDelta(ByteString.copyFrom(new dev.starling.crdt.codec.CrdtCodec<>(dev.starling.node.ValueCodecs.bytes(),
                dev.starling.crdt.codec.StoreCodec.dotSet(DecodeLimits.DEFAULT), DecodeLimits.DEFAULT)
                .encode(LwwRegister.of(Value.utf8("v"), hlc))))
            .setPhysicalMs(hlc.physicalMs()).setLogical(hlc.logical()).setOrigin(hlc.replica().value())
            .build().toByteArray();
    }

    private byte[] deltas(byte[]... records) {
        DeltasProto.Builder b = DeltasProto.newBuilder().setFromSeq(1).setToSeq(records.length);
        for (byte[] r : records) {
            b.addRecords(ByteString.copyFrom(r));
        }
        return b.build().toByteArray();
    }

    @Property(tries = 300)
    void shouldCountAndIgnoreRandomBytes(@ForAll long seed, @ForAll @IntRange(min = 16, max = 24) int type,
            @ForAll @IntRange(min = 0, max = 300) int length) {
        byte[] junk = new byte[length];
        new Random(seed).nextBytes(junk);
        Digest before = a.replicator.digest();
        receive(type, junk);
        assertThat(a.replicator.digest()).isEqualTo(before);
    }

    @Test
    void shouldRefuseBadNamesLongKeysAndMismatchedCounts() {
        Hlc hlc = new Hlc(c.nowMs, 0, peer);
        receive(MessageTypes.DELTAS, deltas(record("bad name!", "k", hlc)));
        receive(MessageTypes.DELTAS, deltas(record("ok", "k".repeat(1025), hlc)));
        receive(MessageTypes.DELTAS, DeltasProto.newBuilder().setFromSeq(1).setToSeq(1_000_000_000)
            .addRecords(ByteString.copyFrom(record("ok", "k", hlc))).build().toByteArray());
        receive(MessageTypes.DELTAS, deltas(record("ok", "k", new Hlc(c.nowMs, 0, new ReplicaId(99)))));
        receive(MessageTypes.DELTA_ACK, DeltaAckProto.newBuilder().setSeq(1_000).build().toByteArray());
        receive(MessageTypes.AE_BUCKETS, AeBucketsProto.newBuilder()
            .addLevels(AeLevelProto.newBuilder().setDepth(17).addPrefixDeltas(0)).build().toByteArray());
        receive(MessageTypes.AE_BUCKETS, AeBucketsProto.newBuilder()
            .addLevels(AeLevelProto.newBuilder().setDepth(2).addPrefixDeltas(1 << 20)).build().toByteArray());
        receive(MessageTypes.AE_BUCKETS, AeBucketsProto.newBuilder().addLevels(AeLevelProto.newBuilder().setDepth(1)
            .addPrefixDeltas(3).setBody(ByteString.copyFrom(new byte[] {(byte) 0xF1, (byte) 0xA2, 0x04}))).build()
            .toByteArray()); // a list of 70,000 entries, and no entries
        receive(MessageTypes.AE_REQUEST, AeRequestProto.newBuilder().addWants(AeWantProto.newBuilder()
            .setIds(ByteString.copyFrom(new byte[2 * 70_000]))).build().toByteArray());
        receive(MessageTypes.AE_ENTRIES, AeEntriesProto.newBuilder().addEntries(EntryProto.newBuilder()
            .setKind(ObjectKind.SET.tag()).setName("s").setKey(ByteString.copyFromUtf8("not for sets")).build()
            .toByteString()).build().toByteArray());
        receive(99, new byte[0]);
        assertThat(a.replicator.stats().malformed()).isEqualTo(10);
        assertThat(a.replicator.stats().unknownTypes()).isEqualTo(1);
        assertThat(a.replicator.objects()).isEmpty();
    }

    @Test
    void shouldRefuseFarFutureClocksAndKeepTheClockBounded() {
        Hlc future = new Hlc(c.nowMs + 365L * 24 * 3600 * 1000, 0, peer);
        receive(MessageTypes.DELTAS, deltas(record("m", "k", future)));
        receive(MessageTypes.AE_ENTRIES, AeEntriesProto.newBuilder().addEntries(ByteString.copyFrom(codec.encodeEntry(
            new ObjectKey(ObjectKind.MAP, "m"), "k", LwwRegister.of(Value.utf8("x"), future)))).build().toByteArray());
        assertThat(a.replicator.stats().refusedClock()).isEqualTo(2);
        assertThat(a.replicator.objects()).isEmpty();
        assertThat(a.clock.now().physicalMs()).isLessThan(c.nowMs + 120_000);
        // a refused record is not acked: the receive position stays before it
        assertThat(a.replicator.peerPositions().get(peer)[1]).isZero();
        // within the drift bound it is accepted
        receive(MessageTypes.DELTAS, deltas(record("m", "k", new Hlc(c.nowMs + 1000, 0, peer))));
        assertThat(a.replicator.objects()).hasSize(1);
        assertThat(a.replicator.peerPositions().get(peer)[1]).isEqualTo(1);
    }
}
