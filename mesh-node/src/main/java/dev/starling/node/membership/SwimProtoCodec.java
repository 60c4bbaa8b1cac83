package dev.starling.node.membership;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.starling.node.membership.proto.v1.AckTypeProto;
import dev.starling.node.membership.proto.v1.GossipProto;
import dev.starling.node.membership.proto.v1.GossipRequestProto;
import dev.starling.node.membership.proto.v1.MemberProto;
import dev.starling.node.membership.proto.v1.MemberStatusProto;
import dev.starling.node.membership.proto.v1.MembershipRecordProto;
import dev.starling.node.membership.proto.v1.MetadataRequestProto;
import dev.starling.node.membership.proto.v1.MetadataResponseProto;
import dev.starling.node.membership.proto.v1.PingDataProto;
import dev.starling.node.membership.proto.v1.SwimMessageProto;
import dev.starling.node.membership.proto.v1.SyncDataProto;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.fdetector.FailureDetectorImpl;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.metadata.MetadataStoreImpl;
import io.scalecube.cluster.transport.api.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Translates scalecube {@link Message}s of the SWIM protocol to and from {@code SwimMessageProto}.
 * The decoder knows the qualifiers scalecube 2.7 uses and the one data kind each carries; a
 * message with another qualifier, another kind, a missing field or a field over its limit is
 * refused with {@link SwimDecodeException}. Nothing is built by class name; the bytes given to the
 * decoder have already passed the frame's signature check.
 */
final class SwimProtoCodec {

    /** Header set on decoded messages: the authenticated sender's replica id, 16 hex digits. */
    static final String REPLICA_HEADER = "starling-replica";

    static final int MAX_ID_CHARS = 128;
    static final int MAX_ADDRESS_CHARS = 300;
    static final int MAX_LABEL_CHARS = 300;
    static final int MAX_HEADER_CHARS = 128;
    static final int MAX_RECORDS = 16_384;
    static final int MAX_GOSSIPS = 1024;

    private static final Pattern ADDRESS = Pattern.compile("^[^\\s]+:\\d{1,5}$");

    private SwimProtoCodec() {
    }

    // ---------------------------------------------------------------- encoding

    /** Encodes a SWIM message; {@link IllegalArgumentException} if it is not one this codec knows. */
    static byte[] encode(Message message) {
        return toProto(message, false).toByteArray();
    }

    private static SwimMessageProto toProto(Message message, boolean inGossip) {
        SwimMessageProto.Builder b = SwimMessageProto.newBuilder();
        for (Map.Entry<String, String> h : message.headers().entrySet()) {
            String value = h.getValue();
            switch (h.getKey()) {
                case Message.HEADER_QUALIFIER -> {
                    if (value != null) {
                        b.setQualifier(value);
                    }
                }
                case Message.HEADER_CORRELATION_ID -> {
                    if (value != null) {
                        b.setCorrelationId(value);
                    }
                }
                case Message.HEADER_SENDER -> {
                    if (value != null) {
                        b.setSender(value);
                    }
                }
                case REPLICA_HEADER -> {
                    // set by our decoder on received messages; the frame carries the sender
                }
                default -> throw new IllegalArgumentException("unknown SWIM header: " + h.getKey());
            }
        }
        Object data = message.data();
        ScalecubeTypes.Kind kind = ScalecubeTypes.kindOf(data);
        String qualifier = message.qualifier();
        if (kind == null || qualifier == null || kindOf(qualifier) != kind
            || (kind == ScalecubeTypes.Kind.MEMBERSHIP_RECORD) != inGossip) {
            throw new IllegalArgumentException("not a SWIM message: qualifier " + qualifier + ", data "
                + (data == null ? "null" : data.getClass().getName()));
        }
        switch (kind) {
            case PING -> b.setPing(pingToProto(data));
            case SYNC -> {
                SyncDataProto.Builder s = SyncDataProto.newBuilder();
                for (Object r : ScalecubeTypes.syncRecords(data)) {
                    s.addRecords(recordToProto(r));
                }
                b.setSync(s);
            }
            case MEMBERSHIP_RECORD -> b.setMembershipRecord(recordToProto(data));
            case GOSSIP_REQUEST -> {
                GossipRequestProto.Builder g = GossipRequestProto.newBuilder()
                    .setFrom(ScalecubeTypes.gossipRequestFrom(data));
                for (Object gossip : ScalecubeTypes.gossipRequestGossips(data)) {
                    g.addGossips(GossipProto.newBuilder()
                        .setGossiperId(ScalecubeTypes.gossiperId(gossip))
                        .setMessage(toProto(ScalecubeTypes.gossipMessage(gossip), true))
                        .setSequenceId(ScalecubeTypes.gossipSequenceId(gossip)));
                }
                b.setGossipRequest(g);
            }
            case METADATA_REQUEST -> b.setMetadataRequest(MetadataRequestProto.newBuilder()
                .setMember(memberToProto(ScalecubeTypes.metadataRequestMember(data))));
            case METADATA_RESPONSE -> {
                ByteBuffer metadata = ScalecubeTypes.metadataResponseMetadata(data).slice();
                b.setMetadataResponse(MetadataResponseProto.newBuilder()
                    .setMember(memberToProto(ScalecubeTypes.metadataResponseMember(data)))
                    .setMetadata(ByteString.copyFrom(metadata)));
            }
            default -> throw new IllegalStateException(kind.name());
        }
        return b.build();
    }

    private static PingDataProto pingToProto(Object ping) {
        PingDataProto.Builder p = PingDataProto.newBuilder()
            .setFrom(memberToProto(ScalecubeTypes.pingFrom(ping)))
            .setTo(memberToProto(ScalecubeTypes.pingTo(ping)));
        Member issuer = ScalecubeTypes.pingOriginalIssuer(ping);
        if (issuer != null) {
            p.setOriginalIssuer(memberToProto(issuer));
        }
        ScalecubeTypes.AckType ack = ScalecubeTypes.pingAckType(ping);
        if (ack != null) {
            p.setAckType(ack == ScalecubeTypes.AckType.DEST_OK ? AckTypeProto.ACK_TYPE_DEST_OK
                : AckTypeProto.ACK_TYPE_DEST_GONE);
        }
        return p.build();
    }

    private static MembershipRecordProto recordToProto(Object record) {
        MemberStatusProto status = switch (ScalecubeTypes.recordStatus(record)) {
            case ALIVE -> MemberStatusProto.MEMBER_STATUS_ALIVE;
            case SUSPECT -> MemberStatusProto.MEMBER_STATUS_SUSPECT;
            case LEAVING -> MemberStatusProto.MEMBER_STATUS_LEAVING;
            case DEAD -> MemberStatusProto.MEMBER_STATUS_DEAD;
        };
        return MembershipRecordProto.newBuilder()
            .setMember(memberToProto(ScalecubeTypes.recordMember(record)))
            .setStatus(status)
            .setIncarnation(ScalecubeTypes.recordIncarnation(record))
            .build();
    }

    private static MemberProto memberToProto(Member m) {
        MemberProto.Builder b = MemberProto.newBuilder()
            .setId(m.id())
            .setAddress(m.address())
            .setNamespace(m.namespace());
        if (m.alias() != null) {
            b.setAlias(m.alias());
        }
        return b.build();
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes {@code bytes[offset, offset + length)} into a message whose {@link #REPLICA_HEADER}
     * is {@code senderReplicaHex}.
     */
    static Message decode(byte[] bytes, int offset, int length, String senderReplicaHex) throws SwimDecodeException {
        SwimMessageProto p;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
            in.setRecursionLimit(16);
            p = SwimMessageProto.parseFrom(in);
        } catch (IOException | RuntimeException e) {
            throw new SwimDecodeException("not a SwimMessageProto", e);
        }
        Message.Builder m = fromProto(p, false);
        if (senderReplicaHex != null) {
            m.header(REPLICA_HEADER, senderReplicaHex);
        }
        return m.build();
    }

    private static Message.Builder fromProto(SwimMessageProto p, boolean inGossip) throws SwimDecodeException {
        if (!p.hasQualifier()) {
            throw new SwimDecodeException("message without qualifier");
        }
        ScalecubeTypes.Kind kind = kindOf(p.getQualifier());
        if (kind == null) {
            throw new SwimDecodeException("unknown qualifier");
        }
        if ((kind == ScalecubeTypes.Kind.MEMBERSHIP_RECORD) != inGossip) {
            throw new SwimDecodeException("membership record outside a gossip, or other data inside one");
        }
        Object data = switch (p.getDataCase()) {
            case PING -> kind == ScalecubeTypes.Kind.PING ? pingFromProto(p.getPing()) : null;
            case SYNC -> kind == ScalecubeTypes.Kind.SYNC ? syncFromProto(p.getSync()) : null;
            case MEMBERSHIP_RECORD -> kind == ScalecubeTypes.Kind.MEMBERSHIP_RECORD
                ? recordFromProto(p.getMembershipRecord()) : null;
            case GOSSIP_REQUEST -> kind == ScalecubeTypes.Kind.GOSSIP_REQUEST
                ? gossipRequestFromProto(p.getGossipRequest()) : null;
            case METADATA_REQUEST -> kind == ScalecubeTypes.Kind.METADATA_REQUEST
                ? ScalecubeTypes.newMetadataRequest(memberFromProto(p.getMetadataRequest().getMember(), true)) : null;
            case METADATA_RESPONSE -> kind == ScalecubeTypes.Kind.METADATA_RESPONSE
                ? metadataResponseFromProto(p.getMetadataResponse()) : null;
            case DATA_NOT_SET -> null;
        };
        if (data == null) {
            throw new SwimDecodeException("data does not match the qualifier");
        }
        Message.Builder m = Message.withData(data).qualifier(p.getQualifier());
        if (p.hasCorrelationId()) {
            m.correlationId(header(p.getCorrelationId(), MAX_HEADER_CHARS));
        }
        if (p.hasSender()) {
            m.sender(address(p.getSender()));
        }
        return m;
    }

    private static Object pingFromProto(PingDataProto p) throws SwimDecodeException {
        ScalecubeTypes.AckType ack = switch (p.getAckType()) {
            case ACK_TYPE_NONE -> null;
            case ACK_TYPE_DEST_OK -> ScalecubeTypes.AckType.DEST_OK;
            case ACK_TYPE_DEST_GONE -> ScalecubeTypes.AckType.DEST_GONE;
            case UNRECOGNIZED -> throw new SwimDecodeException("unknown ack type");
        };
        Member issuer = p.hasOriginalIssuer() ? memberFromProto(p.getOriginalIssuer(), true) : null;
        return ScalecubeTypes.newPingData(memberFromProto(p.getFrom(), p.hasFrom()),
            memberFromProto(p.getTo(), p.hasTo()), issuer, ack);
    }

    private static Object syncFromProto(SyncDataProto p) throws SwimDecodeException {
        if (p.getRecordsCount() > MAX_RECORDS) {
            throw new SwimDecodeException("sync with " + p.getRecordsCount() + " records");
        }
        List<Object> records = new ArrayList<>(p.getRecordsCount());
        for (MembershipRecordProto r : p.getRecordsList()) {
            records.add(recordFromProto(r));
        }
        return ScalecubeTypes.newSyncData(records);
    }

    private static Object recordFromProto(MembershipRecordProto p) throws SwimDecodeException {
        MemberStatus status = switch (p.getStatus()) {
            case MEMBER_STATUS_ALIVE -> MemberStatus.ALIVE;
            case MEMBER_STATUS_SUSPECT -> MemberStatus.SUSPECT;
            case MEMBER_STATUS_LEAVING -> MemberStatus.LEAVING;
            case MEMBER_STATUS_DEAD -> MemberStatus.DEAD;
            case MEMBER_STATUS_UNSPECIFIED, UNRECOGNIZED -> throw new SwimDecodeException("unknown member status");
        };
        return ScalecubeTypes.newRecord(memberFromProto(p.getMember(), p.hasMember()), status, p.getIncarnation());
    }

    private static Object gossipRequestFromProto(GossipRequestProto p) throws SwimDecodeException {
        if (p.getGossipsCount() == 0 || p.getGossipsCount() > MAX_GOSSIPS) {
            throw new SwimDecodeException("gossip request with " + p.getGossipsCount() + " gossips");
        }
        List<Object> gossips = new ArrayList<>(p.getGossipsCount());
        for (GossipProto g : p.getGossipsList()) {
            if (!g.hasMessage()) {
                throw new SwimDecodeException("gossip without a message");
            }
            Message inner = fromProto(g.getMessage(), true).build();
            gossips.add(ScalecubeTypes.newGossip(id(g.getGossiperId()), inner, g.getSequenceId()));
        }
        return ScalecubeTypes.newGossipRequest(gossips, id(p.getFrom()));
    }

    private static Object metadataResponseFromProto(MetadataResponseProto p) throws SwimDecodeException {
        if (p.getMetadata().size() > MemberMetaCodec.MAX_BYTES) {
            throw new SwimDecodeException("metadata of " + p.getMetadata().size() + " bytes");
        }
        return ScalecubeTypes.newMetadataResponse(memberFromProto(p.getMember(), p.hasMember()),
            ByteBuffer.wrap(p.getMetadata().toByteArray()));
    }

    private static Member memberFromProto(MemberProto p, boolean present) throws SwimDecodeException {
        if (!present) {
            throw new SwimDecodeException("member missing");
        }
        String alias = p.hasAlias() ? label(p.getAlias()) : null;
        return new Member(id(p.getId()), alias, address(p.getAddress()), label(p.getNamespace()));
    }

    private static String id(String s) throws SwimDecodeException {
        return header(s, MAX_ID_CHARS);
    }

    private static String label(String s) throws SwimDecodeException {
        return header(s, MAX_LABEL_CHARS);
    }

    private static String header(String s, int max) throws SwimDecodeException {
        if (s.isEmpty() || s.length() > max) {
            throw new SwimDecodeException("field empty or longer than " + max);
        }
        return s;
    }

    private static String address(String s) throws SwimDecodeException {
        if (s.length() > MAX_ADDRESS_CHARS || !ADDRESS.matcher(s).matches()) {
            throw new SwimDecodeException("not a host:port address");
        }
        return s;
    }

    /** The data kind scalecube 2.7 sends with {@code qualifier}, or null if the qualifier is not SWIM's. */
    static ScalecubeTypes.Kind kindOf(String qualifier) {
        return switch (qualifier) {
            case FailureDetectorImpl.PING, FailureDetectorImpl.PING_REQ, FailureDetectorImpl.PING_ACK ->
                ScalecubeTypes.Kind.PING;
            case MembershipProtocolImpl.SYNC, MembershipProtocolImpl.SYNC_ACK -> ScalecubeTypes.Kind.SYNC;
            case MembershipProtocolImpl.MEMBERSHIP_GOSSIP -> ScalecubeTypes.Kind.MEMBERSHIP_RECORD;
            case GossipProtocolImpl.GOSSIP_REQ -> ScalecubeTypes.Kind.GOSSIP_REQUEST;
            case MetadataStoreImpl.GET_METADATA_REQ -> ScalecubeTypes.Kind.METADATA_REQUEST;
            case MetadataStoreImpl.GET_METADATA_RESP -> ScalecubeTypes.Kind.METADATA_RESPONSE;
            default -> null;
        };
    }
}
