package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.membership.proto.v1.MembershipRecordProto;
import dev.starling.node.membership.proto.v1.MemberProto;
import dev.starling.node.membership.proto.v1.MemberStatusProto;
import dev.starling.node.membership.proto.v1.SwimMessageProto;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.transport.api.JdkMessageCodec;
import io.scalecube.cluster.transport.api.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwimMessageCodecTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final ReplicaId SENDER = new ReplicaId(0x1122334455667788L);

    private final SwimCounters counters = new SwimCounters();
    private final SwimMessageCodec sender = codec(new SwimCounters(), SENDER.value(), 11);
    private final SwimMessageCodec receiver = codec(counters, 99, 12);

    static SwimMessageCodec codec(SwimCounters counters, long replica, long epoch) {
        return new SwimMessageCodec(new SwimFrames(SECRET, "cluster", replica, epoch), new ReplayGuard(16), counters,
            64 * 1024);
    }

    @Test
    void shouldRoundTripEveryMessageTheSwimProtocolSends() throws Exception {
        List<Message> samples = SwimSamples.all();
        for (Message original : samples) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            sender.serialize(original, out);
            Message decoded = receiver.deserialize(new ByteArrayInputStream(out.toByteArray()));
            assertThat(decoded).isNotSameAs(SwimMessageCodec.REJECTED);
            assertThat(SwimSamples.describe(decoded)).isEqualTo(SwimSamples.describe(original));
            assertThat(decoded.header(SwimProtoCodec.REPLICA_HEADER)).isEqualTo(SENDER.toString());
            assertThat(ScalecubeTypes.kindOf(decoded.data())).isEqualTo(ScalecubeTypes.kindOf(original.data()));
        }
        assertThat(counters.snapshot().messagesReceived()).isEqualTo(samples.size());
    }

    @Test
    void shouldCoverEveryQualifierOfScalecubeSwim() {
        assertThat(SwimSamples.all()).extracting(Message::qualifier).containsAll(List.of(
            FailureDetectorImpl.PING, FailureDetectorImpl.PING_REQ, FailureDetectorImpl.PING_ACK,
            MembershipProtocolImpl.SYNC, MembershipProtocolImpl.SYNC_ACK, "sc/gossip/req", "sc/metadata/req",
            "sc/metadata/resp"));
    }

    @Test
    void shouldRoundTripMemberMetadata() {
        MemberMeta meta = new MemberMeta("c", new ReplicaId(-1L), "ünïcode name", "::1", 65535);
        MemberMetaCodec codec = new MemberMetaCodec();
        assertThat(codec.deserialize(codec.serialize(meta))).isEqualTo(meta);
        assertThatThrownBy(() -> codec.serialize("a string")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.deserialize(ByteBuffer.wrap(new byte[] {1, 2, 3})))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemberMetaCodec.decode(ByteBuffer.allocate(MemberMetaCodec.MAX_BYTES + 1)))
            .isInstanceOf(SwimDecodeException.class);
    }

    @Test
    void shouldRefuseToEncodeWhatIsNotASwimMessage() {
        assertThatThrownBy(() -> SwimProtoCodec.encode(Message.withData("user data").qualifier("app/x").build()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SwimProtoCodec.encode(Message.withData(new Gadget("x"))
            .qualifier(MembershipProtocolImpl.SYNC).build())).isInstanceOf(IllegalArgumentException.class);
        // a membership record travels only inside a gossip
        assertThatThrownBy(() -> SwimProtoCodec.encode(Message.withData(
                ScalecubeTypes.newRecord(SwimSamples.A, io.scalecube.cluster.membership.MemberStatus.ALIVE, 0))
            .qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SwimProtoCodec.encode(Message.with(SwimSamples.all().get(0)).header("x-extra", "1").build()))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldDropJavaSerializationStreamsAsUnsigned() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JdkMessageCodec().serialize(Message.withData(new Gadget("x")).qualifier("q").build(), out);
        assertThat(receiver.deserialize(new ByteArrayInputStream(out.toByteArray()))).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(counters.snapshot().droppedUnsigned()).isEqualTo(1);
        assertThat(Gadget.READS.get()).isZero();
    }

    @Test
    void shouldDropAFrameWithAnyByteChanged() {
        byte[] frame = seal(SwimSamples.all().get(5));
        for (int i = 0; i < frame.length; i++) {
            byte[] copy = frame.clone();
            copy[i] ^= 0x40;
            assertThat(receiver.decode(copy, copy.length)).isSameAs(SwimMessageCodec.REJECTED);
        }
        // the first three bytes are magic and version: UNSIGNED; every other byte: bad tag
        assertThat(counters.snapshot().droppedUnsigned()).isEqualTo(3);
        assertThat(counters.snapshot().droppedBadSignature()).isEqualTo(frame.length - 3);
        assertThat(counters.snapshot().messagesReceived()).isZero();
    }

    @Test
    void shouldDropFramesOfAnotherClusterNameOrSecret() {
        byte[] payload = SwimProtoCodec.encode(SwimSamples.all().get(0));
        byte[] otherName = new SwimFrames(SECRET, "cluster2", 1, 1).seal(payload);
        byte[] otherSecret = new SwimFrames("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII),
            "cluster", 1, 1).seal(payload);
        assertThat(receiver.decode(otherName, otherName.length)).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(receiver.decode(otherSecret, otherSecret.length)).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(counters.snapshot().droppedBadSignature()).isEqualTo(2);
        assertThat(SwimFrames.deriveKey(SECRET, "cluster")).isNotEqualTo(SwimFrames.deriveKey(SECRET, "cluster2"));
    }

    @Test
    void shouldDropAReplayedFrame() {
        byte[] frame = seal(SwimSamples.all().get(0));
        assertThat(receiver.decode(frame, frame.length)).isNotSameAs(SwimMessageCodec.REJECTED);
        assertThat(receiver.decode(frame, frame.length)).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(counters.snapshot().droppedReplayed()).isEqualTo(1);
        assertThat(counters.snapshot().messagesReceived()).isEqualTo(1);
    }

    @Test
    void shouldDropSignedFramesThatAreNotSwimMessages() {
        SwimFrames frames = new SwimFrames(SECRET, "cluster", SENDER.value(), 5);
        MemberProto member = MemberProto.newBuilder().setId("x").setAddress("h:1").setNamespace("n").build();
        List<byte[]> payloads = List.of(
            new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5},
            SwimMessageProto.newBuilder().setQualifier("app/user").build().toByteArray(),
            SwimMessageProto.newBuilder().setQualifier(FailureDetectorImpl.PING).build().toByteArray(),
            // a membership record outside a gossip
            SwimMessageProto.newBuilder().setQualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP)
                .setMembershipRecord(MembershipRecordProto.newBuilder().setMember(member)
                    .setStatus(MemberStatusProto.MEMBER_STATUS_SUSPECT)).build().toByteArray(),
            // sync data under a ping qualifier
            SwimMessageProto.newBuilder().setQualifier(FailureDetectorImpl.PING)
                .setSync(dev.starling.node.membership.proto.v1.SyncDataProto.getDefaultInstance()).build().toByteArray(),
            // an unknown status
            SwimMessageProto.newBuilder().setQualifier(MembershipProtocolImpl.SYNC)
                .setSync(dev.starling.node.membership.proto.v1.SyncDataProto.newBuilder().addRecords(
                    MembershipRecordProto.newBuilder().setMember(member).setStatusValue(99))).build().toByteArray());
        for (byte[] p : payloads) {
            byte[] frame = frames.seal(p);
            assertThat(receiver.decode(frame, frame.length)).isSameAs(SwimMessageCodec.REJECTED);
        }
        assertThat(counters.snapshot().droppedUndecodable()).isEqualTo(payloads.size());
    }

    @Test
    void shouldDropFramesOverTheLimit() {
        byte[] big = new byte[64 * 1024 + 1];
        assertThat(receiver.decode(big, big.length)).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(counters.snapshot().droppedUnsigned()).isEqualTo(1);
    }

    private byte[] seal(Message m) {
        return new SwimFrames(SECRET, "cluster", SENDER.value(), 1).seal(SwimProtoCodec.encode(m));
    }
}
