package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.Message;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * One message of every shape scalecube 2.7's SWIM sends (ping, ping-req, acks, sync, sync-ack,
 * membership gossip, metadata request and response), as its components build them, and a canonical
 * description to compare a decoded message with the original (scalecube's data classes have no
 * {@code equals}).
 */
final class SwimSamples {

    static final Member A = new Member("0000000000000001-00000000000000aa", "node-a", "127.0.0.1:7001", "starling");
    static final Member B = new Member("0000000000000002-00000000000000bb", null, "10.0.0.2:7946", "starling");
    static final Member C = new Member("0000000000000003-00000000000000cc", "node-c", "host.example:7946", "starling");

    private SwimSamples() {
    }

    static List<Message> all() {
        List<Message> m = new ArrayList<>();
        m.add(Message.withData(ScalecubeTypes.newPingData(A, B, null, null))
            .qualifier(FailureDetectorImpl.PING).correlationId("cid-1").sender(A.address()).build());
        m.add(Message.withData(ScalecubeTypes.newPingData(A, B, null, null))
            .qualifier(FailureDetectorImpl.PING_REQ).correlationId("cid-2").sender(A.address()).build());
        m.add(Message.withData(ScalecubeTypes.newPingData(C, B, A, null))
            .qualifier(FailureDetectorImpl.PING).correlationId("cid-2").sender(C.address()).build());
        m.add(Message.withData(ScalecubeTypes.newPingData(A, B, null, ScalecubeTypes.AckType.DEST_OK))
            .qualifier(FailureDetectorImpl.PING_ACK).correlationId("cid-1").sender(B.address()).build());
        m.add(Message.withData(ScalecubeTypes.newPingData(C, B, A, ScalecubeTypes.AckType.DEST_GONE))
            .qualifier(FailureDetectorImpl.PING_ACK).correlationId("cid-2").sender(B.address()).build());
        m.add(Message.withData(sync()).qualifier(MembershipProtocolImpl.SYNC).correlationId("cid-3")
            .sender(A.address()).build());
        m.add(Message.withData(sync()).qualifier(MembershipProtocolImpl.SYNC).sender(A.address()).build());
        m.add(Message.withData(sync()).qualifier(MembershipProtocolImpl.SYNC_ACK).correlationId(null)
            .sender(B.address()).build());
        m.add(Message.withData(ScalecubeTypes.newSyncData(List.of())).qualifier(MembershipProtocolImpl.SYNC_ACK)
            .correlationId("cid-3").sender(B.address()).build());
        Message alive = Message.withData(ScalecubeTypes.newRecord(A, MemberStatus.ALIVE, 3))
            .qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        Message leaving = Message.withData(ScalecubeTypes.newRecord(C, MemberStatus.LEAVING, Integer.MAX_VALUE))
            .qualifier(MembershipProtocolImpl.MEMBERSHIP_GOSSIP).build();
        m.add(Message.withData(ScalecubeTypes.newGossipRequest(List.of(
                ScalecubeTypes.newGossip(A.id(), alive, 0), ScalecubeTypes.newGossip(C.id(), leaving, Long.MAX_VALUE)),
                A.id()))
            .qualifier(GossipProtocolImpl.GOSSIP_REQ).sender(A.address()).build());
        m.add(Message.withData(ScalecubeTypes.newMetadataRequest(B))
            .qualifier(MetadataStoreImpl.GET_METADATA_REQ).correlationId("cid-4").sender(A.address()).build());
        m.add(Message.withData(ScalecubeTypes.newMetadataResponse(B, ByteBuffer.wrap(MemberMetaCodec.encode(
                new MemberMeta("test-cluster", new ReplicaId(2), "node-b", "10.0.0.2", 7947)))))
            .qualifier(MetadataStoreImpl.GET_METADATA_RESP).correlationId("cid-4").sender(B.address()).build());
        m.add(Message.withData(ScalecubeTypes.newMetadataResponse(B, ByteBuffer.allocate(0)))
            .qualifier(MetadataStoreImpl.GET_METADATA_RESP).correlationId("cid-5").sender(B.address()).build());
        return m;
    }

    private static Object sync() {
        return ScalecubeTypes.newSyncData(List.of(
            ScalecubeTypes.newRecord(A, MemberStatus.ALIVE, 0),
            ScalecubeTypes.newRecord(B, MemberStatus.SUSPECT, 7),
            ScalecubeTypes.newRecord(C, MemberStatus.LEAVING, 2),
            ScalecubeTypes.newRecord(C, MemberStatus.DEAD, -1)));
    }

    /** Headers (but the receiver-side replica header) and data, field by field. */
    static String describe(Message m) {
        Map<String, String> headers = new TreeMap<>();
        m.headers().forEach((k, v) -> {
            if (v != null && !k.equals(SwimProtoCodec.REPLICA_HEADER)) {
                headers.put(k, v);
            }
        });
        return headers + " " + describeData(m.data());
    }

    static String describeData(Object d) {
        ScalecubeTypes.Kind kind = ScalecubeTypes.kindOf(d);
        if (kind == null) {
            return String.valueOf(d);
        }
        return switch (kind) {
            case PING -> "ping(" + member(ScalecubeTypes.pingFrom(d)) + ", " + member(ScalecubeTypes.pingTo(d)) + ", "
                + member(ScalecubeTypes.pingOriginalIssuer(d)) + ", " + ScalecubeTypes.pingAckType(d) + ")";
            case SYNC -> {
                StringJoiner j = new StringJoiner(", ", "sync[", "]");
                ScalecubeTypes.syncRecords(d).forEach(r -> j.add(describeData(r)));
                yield j.toString();
            }
            case MEMBERSHIP_RECORD -> "record(" + member(ScalecubeTypes.recordMember(d)) + ", "
                + ScalecubeTypes.recordStatus(d) + ", " + ScalecubeTypes.recordIncarnation(d) + ")";
            case GOSSIP_REQUEST -> {
                StringJoiner j = new StringJoiner(", ", "gossips(" + ScalecubeTypes.gossipRequestFrom(d) + ", [", "])");
                for (Object g : ScalecubeTypes.gossipRequestGossips(d)) {
                    j.add("gossip(" + ScalecubeTypes.gossiperId(g) + ", " + describe(ScalecubeTypes.gossipMessage(g))
                        + ", " + ScalecubeTypes.gossipSequenceId(g) + ")");
                }
                yield j.toString();
            }
            case METADATA_REQUEST -> "metadataRequest(" + member(ScalecubeTypes.metadataRequestMember(d)) + ")";
            case METADATA_RESPONSE -> {
                ByteBuffer b = ScalecubeTypes.metadataResponseMetadata(d).slice();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                yield "metadataResponse(" + member(ScalecubeTypes.metadataResponseMember(d)) + ", "
                    + HexFormat.of().formatHex(bytes) + ")";
            }
        };
    }

    private static String member(Member m) {
        return m == null ? "null" : m.id() + "/" + m.alias() + "/" + m.address() + "/" + m.namespace();
    }
}
