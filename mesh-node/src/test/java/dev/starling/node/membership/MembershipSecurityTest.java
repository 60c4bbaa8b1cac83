package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.membership.TestNodes.Node;
import dev.starling.node.testing.Await;
import io.scalecube.cluster.ClusterConfig;
import io.scalecube.cluster.ClusterImpl;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.JdkMetadataCodec;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.JdkMessageCodec;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.Transport;
import io.scalecube.transport.netty.TransportImpl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A host on the LAN without the cluster secret talks to the nodes' gossip ports in every way it
 * can: a real scalecube node with scalecube's default Java-serialization codecs (joining, pinging,
 * syncing and gossiping that members are suspect or dead), a Starling node with the wrong secret,
 * and raw frames (Java serialization streams of a gadget class, junk, Starling frames with bad
 * tags). None of it is listed, no member's view of another changes, and nothing is Java-deserialized.
 */
class MembershipSecurityTest {

    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final ReplicaId HOSTILE = new ReplicaId(0x0bad0bad0bad0badL);

    @Test
    void shouldIgnoreEverythingFromAHostWithoutTheSecret() throws Exception {
        assertGadgetIsDetected();
        try (TestNodes cluster = new TestNodes()) {
            List<Node> nodes = new ArrayList<>();
            nodes.add(cluster.start(relaxed(0, List.of())));
            nodes.add(cluster.start(relaxed(1, List.of(nodes.get(0).address()))));
            nodes.add(cluster.start(relaxed(2, List.of(nodes.get(0).address()))));
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, dev.starling.node.membership.MemberStatus.ALIVE));
            Node target = nodes.get(0);
            Node victim = nodes.get(1);
            MembershipStats before = target.membership().stats();

            // a Starling node with another secret, seeded with the target: never verifies
            cluster.start(TestNodes.config(5, List.of(target.address())).secret(
                "another secret, also 32 bytes...".getBytes(StandardCharsets.US_ASCII)));

            // a stock scalecube node, Java serialization on the wire, seeded with the target
            ClusterImpl hostile = hostileScalecubeNode(target.address());
            try {
                Transport wire = hostile.transport();
                Member hostileMember = hostile.member();
                Member victimMember = victim.membership().scalecubeMember();
                for (Node n : nodes) {
                    Member to = n.membership().scalecubeMember();
                    send(wire, n, Message.withData(ScalecubeTypes.newPingData(hostileMember, to, null, null))
                        .qualifier(FailureDetectorImpl.PING).correlationId(UUID.randomUUID().toString()).build());
                    send(wire, n, Message.withData(ScalecubeTypes.newPingData(hostileMember, victimMember, null, null))
                        .qualifier(FailureDetectorImpl.PING_REQ).correlationId(UUID.randomUUID().toString()).build());
                    send(wire, n, Message.withData(ScalecubeTypes.newSyncData(List.of(
                            ScalecubeTypes.newRecord(hostileMember, MemberStatus.ALIVE, 0),
                            ScalecubeTypes.newRecord(victimMember, MemberStatus.SUSPECT, 1000),
                            ScalecubeTypes.newRecord(nodes.get(2).membership().scalecubeMember(), MemberStatus.DEAD, 1000))))
                        .qualifier(MembershipProtocolImpl.SYNC).build());
                    Message suspicion = Message.withData(ScalecubeTypes.newRecord(victimMember, MemberStatus.SUSPECT, 2000))
                        .qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
                    send(wire, n, Message.withData(ScalecubeTypes.newGossipRequest(
                            List.of(ScalecubeTypes.newGossip(hostileMember.id(), suspicion, 1)), hostileMember.id()))
                        .qualifier(GossipProtocolImpl.GOSSIP_REQ).build());
                    send(wire, n, Message.withData(ScalecubeTypes.newMetadataRequest(to))
                        .qualifier(MetadataStoreImpl.GET_METADATA_REQ).correlationId("x").build());
                    send(wire, n, Message.withData(new Gadget("in a scalecube message"))
                        .qualifier(MembershipProtocolImpl.SYNC).build());
                }
                List<byte[]> unsigned = List.of(
                    jdkMessage(Message.withData(new Gadget("raw frame")).qualifier("q").build()),
                    javaStream(new Gadget("bare stream")),
                    randomBytes(200));
                List<byte[]> badlySigned = List.of(
                    frame(new SwimFrames("wrong secret, but 32 bytes long.".getBytes(StandardCharsets.US_ASCII),
                        TestNodes.CLUSTER, HOSTILE.value(), 1), victimMember),
                    frame(new SwimFrames(TestNodes.SECRET, "other-cluster", HOSTILE.value(), 1), victimMember),
                    zeroTag(frame(new SwimFrames(TestNodes.SECRET, TestNodes.CLUSTER, HOSTILE.value(), 1), victimMember)));
                writeRaw(target.membership().gossipAddress(), unsigned, badlySigned);

                Await.until(JOIN, () -> "hostile traffic counted: " + target.membership().stats(), () -> {
                    MembershipStats s = target.membership().stats();
                    return s.droppedUnsigned() - before.droppedUnsigned() >= unsigned.size() + 6
                        && s.droppedBadSignature() - before.droppedBadSignature() >= badlySigned.size() + 1;
                });
                // and for a while after: nobody listed but the three, all alive in every view
                Await.during(Duration.ofSeconds(2), () -> "views changed" + TestNodes.views(nodes),
                    () -> TestNodes.allSee(nodes, nodes, dev.starling.node.membership.MemberStatus.ALIVE)
                        && nodes.stream().allMatch(n -> n.membership().members().size() == 3));

                for (Node n : nodes) {
                    assertThat(n.membership().members()).extracting(m -> m.replicaId().value())
                        .containsExactlyInAnyOrder(1L, 2L, 3L);
                    assertThat(n.listener().events).allSatisfy(e -> assertThat(e.kind()).isEqualTo("ALIVE"));
                    assertThat(n.membership().stats().droppedUndecodable()).isZero();
                }
                assertThat(hostile.otherMembers()).isEmpty();
                assertThat(Gadget.READS.get()).isZero();
            } finally {
                hostile.shutdown();
                hostile.onShutdown().block(Duration.ofSeconds(5));
            }
        }
    }

    /** The gadget counts a Java deserialization (so the zero at the end of the test means something). */
    private static void assertGadgetIsDetected() throws Exception {
        byte[] bytes = jdkMessage(Message.withData(new Gadget("probe")).qualifier("q").build());
        new JdkMessageCodec().deserialize(new ByteArrayInputStream(bytes));
        assertThat(Gadget.READS.getAndSet(0)).isEqualTo(1);
    }

    private static MembershipConfig.Builder relaxed(int index, List<String> seeds) {
        // slower probes than local(): this test asserts that no member is ever suspected
        return TestNodes.config(index, seeds)
            .pingInterval(Duration.ofSeconds(1))
            .pingTimeout(Duration.ofMillis(500))
            .suspicionMult(3);
    }

    /**
     * scalecube as shipped: Java-serialization message and metadata codecs, its TCP framing, a
     * member id shaped like a Starling one, bound to loopback.
     */
    private static ClusterImpl hostileScalecubeNode(String seed) {
        ClusterConfig config = ClusterConfig.defaultLocalConfig()
            .memberId(HOSTILE + "-0000000000000001")
            .memberAlias("hostile")
            .metadata("hostile metadata")
            .metadataCodec(new JdkMetadataCodec())
            .transport(t -> t.messageCodec(new JdkMessageCodec())
                .transportFactory(c -> new TransportImpl(c.messageCodec(),
                    new SwimTransportFactory.BoundReceiver("127.0.0.1", c), new SwimTransportFactory.FramedSender(c),
                    Function.identity())))
            .membership(m -> m.seedMembers(seed).namespace(Membership.NAMESPACE));
        return (ClusterImpl) new ClusterImpl(config).start().block(Duration.ofSeconds(10));
    }

    private static void send(Transport wire, Node to, Message message) {
        wire.send(to.address(), message).block(Duration.ofSeconds(5));
    }

    private static byte[] jdkMessage(Message message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JdkMessageCodec().serialize(message, out);
        return out.toByteArray();
    }

    private static byte[] javaStream(Object o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(o);
        }
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }

    /** A well-formed Starling frame saying the victim is suspect, sealed with {@code frames}' key. */
    private static byte[] frame(SwimFrames frames, Member victim) {
        Message suspicion = Message.withData(ScalecubeTypes.newSyncData(List.of(
                ScalecubeTypes.newRecord(victim, MemberStatus.SUSPECT, 3000))))
            .qualifier(MembershipProtocolImpl.SYNC).sender("127.0.0.1:1").build();
        return frames.seal(SwimProtoCodec.encode(suspicion));
    }

    private static byte[] zeroTag(byte[] frame) {
        java.util.Arrays.fill(frame, frame.length - SwimFrames.TAG_BYTES, frame.length, (byte) 0);
        return frame;
    }

    /** Writes each payload as one scalecube frame (4-byte length, then the bytes) on a plain socket. */
    private static void writeRaw(InetSocketAddress to, List<byte[]> a, List<byte[]> b) throws IOException {
        try (Socket socket = new Socket(to.getAddress(), to.getPort())) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            for (List<byte[]> list : List.of(a, b)) {
                for (byte[] payload : list) {
                    out.writeInt(payload.length);
                    out.write(payload);
                }
            }
            out.flush();
        }
    }
}
