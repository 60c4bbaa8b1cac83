package dev.starling.node.membership;

import io.scalecube.cluster.Member;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.transport.api.Message;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;

/**
 * Access to the data classes scalecube-cluster 2.7 puts into SWIM messages. They are package-private
 * in scalecube ({@code PingData}, {@code SyncData}, {@code MembershipRecord}, {@code Gossip},
 * {@code GossipRequest}, {@code GetMetadataRequest}, {@code GetMetadataResponse}), so the codec
 * reaches their constructors and accessors through method handles, resolved once when this class
 * loads: a scalecube version whose classes differ fails at the first start, not on the first odd
 * message. Reflection is used only to build and read these seven fixed classes; which class to
 * build is decided by the protobuf {@code oneof}, never by a class name from the wire.
 */
final class ScalecubeTypes {

    /** The kinds of data a SWIM message carries. */
    enum Kind {
        PING, SYNC, MEMBERSHIP_RECORD, GOSSIP_REQUEST, METADATA_REQUEST, METADATA_RESPONSE
    }

    /** PingData's ack type, by ordinal of scalecube's {@code PingData.AckType}. */
    enum AckType {
        DEST_OK, DEST_GONE
    }

    static final Class<?> MEMBERSHIP_RECORD = load("io.scalecube.cluster.membership.MembershipRecord");
    static final Class<?> SYNC_DATA = load("io.scalecube.cluster.membership.SyncData");
    static final Class<?> PING_DATA = load("io.scalecube.cluster.fdetector.PingData");
    static final Class<?> PING_ACK_TYPE = load("io.scalecube.cluster.fdetector.PingData$AckType");
    static final Class<?> GOSSIP = load("io.scalecube.cluster.gossip.Gossip");
    static final Class<?> GOSSIP_REQUEST = load("io.scalecube.cluster.gossip.GossipRequest");
    static final Class<?> METADATA_REQUEST = load("io.scalecube.cluster.metadata.GetMetadataRequest");
    static final Class<?> METADATA_RESPONSE = load("io.scalecube.cluster.metadata.GetMetadataResponse");

    private static final Object[] ACK_TYPES = PING_ACK_TYPE.getEnumConstants();

    private static final MethodHandle NEW_RECORD =
        constructor(MEMBERSHIP_RECORD, Member.class, MemberStatus.class, int.class);
    private static final MethodHandle RECORD_MEMBER = getter(MEMBERSHIP_RECORD, "member", Member.class);
    private static final MethodHandle RECORD_STATUS = getter(MEMBERSHIP_RECORD, "status", MemberStatus.class);
    private static final MethodHandle RECORD_INCARNATION = getter(MEMBERSHIP_RECORD, "incarnation", int.class);

    private static final MethodHandle NEW_SYNC = constructor(SYNC_DATA, Collection.class);
    private static final MethodHandle SYNC_RECORDS = getter(SYNC_DATA, "getMembership", Collection.class);

    private static final MethodHandle NEW_PING = constructor(PING_DATA, Member.class, Member.class, Member.class);
    private static final MethodHandle PING_WITH_ACK = method(PING_DATA, "withAckType", PING_DATA, PING_ACK_TYPE);
    private static final MethodHandle PING_FROM = getter(PING_DATA, "getFrom", Member.class);
    private static final MethodHandle PING_TO = getter(PING_DATA, "getTo", Member.class);
    private static final MethodHandle PING_ISSUER = getter(PING_DATA, "getOriginalIssuer", Member.class);
    private static final MethodHandle PING_ACK = getter(PING_DATA, "getAckType", PING_ACK_TYPE);

    private static final MethodHandle NEW_GOSSIP = constructor(GOSSIP, String.class, Message.class, long.class);
    private static final MethodHandle GOSSIP_GOSSIPER = getter(GOSSIP, "gossiperId", String.class);
    private static final MethodHandle GOSSIP_MESSAGE = getter(GOSSIP, "message", Message.class);
    private static final MethodHandle GOSSIP_SEQUENCE = getter(GOSSIP, "sequenceId", long.class);

    private static final MethodHandle NEW_GOSSIP_REQUEST = constructor(GOSSIP_REQUEST, List.class, String.class);
    private static final MethodHandle GOSSIP_REQUEST_GOSSIPS = getter(GOSSIP_REQUEST, "gossips", List.class);
    private static final MethodHandle GOSSIP_REQUEST_FROM = getter(GOSSIP_REQUEST, "from", String.class);

    private static final MethodHandle NEW_METADATA_REQUEST = constructor(METADATA_REQUEST, Member.class);
    private static final MethodHandle METADATA_REQUEST_MEMBER = getter(METADATA_REQUEST, "getMember", Member.class);

    private static final MethodHandle NEW_METADATA_RESPONSE =
        constructor(METADATA_RESPONSE, Member.class, ByteBuffer.class);
    private static final MethodHandle METADATA_RESPONSE_MEMBER = getter(METADATA_RESPONSE, "getMember", Member.class);
    private static final MethodHandle METADATA_RESPONSE_METADATA =
        getter(METADATA_RESPONSE, "getMetadata", ByteBuffer.class);

    private ScalecubeTypes() {
    }

    /** The kind of {@code data}, or null if it is none of the SWIM data classes. */
    static Kind kindOf(Object data) {
        if (data == null) {
            return null;
        }
        Class<?> c = data.getClass();
        if (c == PING_DATA) {
            return Kind.PING;
        } else if (c == SYNC_DATA) {
            return Kind.SYNC;
        } else if (c == MEMBERSHIP_RECORD) {
            return Kind.MEMBERSHIP_RECORD;
        } else if (c == GOSSIP_REQUEST) {
            return Kind.GOSSIP_REQUEST;
        } else if (c == METADATA_REQUEST) {
            return Kind.METADATA_REQUEST;
        } else if (c == METADATA_RESPONSE) {
            return Kind.METADATA_RESPONSE;
        }
        return null;
    }

    static Object newRecord(Member member, MemberStatus status, int incarnation) {
        return invoke(NEW_RECORD, member, status, incarnation);
    }

    static Member recordMember(Object record) {
        return (Member) invoke(RECORD_MEMBER, record);
    }

    static MemberStatus recordStatus(Object record) {
        return (MemberStatus) invoke(RECORD_STATUS, record);
    }

    static int recordIncarnation(Object record) {
        return (Integer) invoke(RECORD_INCARNATION, record);
    }

    static Object newSyncData(List<Object> records) {
        return invoke(NEW_SYNC, records);
    }

    @SuppressWarnings("unchecked")
    static Collection<Object> syncRecords(Object syncData) {
        return (Collection<Object>) invoke(SYNC_RECORDS, syncData);
    }

    static Object newPingData(Member from, Member to, Member originalIssuer, AckType ackType) {
        Object ping = invoke(NEW_PING, from, to, originalIssuer);
        if (ackType != null) {
            ping = invoke(PING_WITH_ACK, ping, ACK_TYPES[ackType.ordinal()]);
        }
        return ping;
    }

    static Member pingFrom(Object ping) {
        return (Member) invoke(PING_FROM, ping);
    }

    static Member pingTo(Object ping) {
        return (Member) invoke(PING_TO, ping);
    }

    static Member pingOriginalIssuer(Object ping) {
        return (Member) invoke(PING_ISSUER, ping);
    }

    static AckType pingAckType(Object ping) {
        Object ack = invoke(PING_ACK, ping);
        return ack == null ? null : AckType.valueOf(((Enum<?>) ack).name());
    }

    static Object newGossip(String gossiperId, Message message, long sequenceId) {
        return invoke(NEW_GOSSIP, gossiperId, message, sequenceId);
    }

    static String gossiperId(Object gossip) {
        return (String) invoke(GOSSIP_GOSSIPER, gossip);
    }

    static Message gossipMessage(Object gossip) {
        return (Message) invoke(GOSSIP_MESSAGE, gossip);
    }

    static long gossipSequenceId(Object gossip) {
        return (Long) invoke(GOSSIP_SEQUENCE, gossip);
    }

    static Object newGossipRequest(List<Object> gossips, String from) {
        return invoke(NEW_GOSSIP_REQUEST, gossips, from);
    }

    @SuppressWarnings("unchecked")
    static List<Object> gossipRequestGossips(Object request) {
        return (List<Object>) invoke(GOSSIP_REQUEST_GOSSIPS, request);
    }

    static String gossipRequestFrom(Object request) {
        return (String) invoke(GOSSIP_REQUEST_FROM, request);
    }

    static Object newMetadataRequest(Member member) {
        return invoke(NEW_METADATA_REQUEST, member);
    }

    static Member metadataRequestMember(Object request) {
        return (Member) invoke(METADATA_REQUEST_MEMBER, request);
    }

    static Object newMetadataResponse(Member member, ByteBuffer metadata) {
        return invoke(NEW_METADATA_RESPONSE, member, metadata);
    }

    static Member metadataResponseMember(Object response) {
        return (Member) invoke(METADATA_RESPONSE_MEMBER, response);
    }

    static ByteBuffer metadataResponseMetadata(Object response) {
        return (ByteBuffer) invoke(METADATA_RESPONSE_METADATA, response);
    }

    private static Object invoke(MethodHandle handle, Object... args) {
        try {
            return handle.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ScalecubeTypes.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError("scalecube-cluster 2.7 class missing: " + name);
        }
    }

    private static MethodHandles.Lookup lookup(Class<?> owner) throws IllegalAccessException {
        return MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
    }

    private static MethodHandle constructor(Class<?> owner, Class<?>... parameters) {
        try {
            return lookup(owner).findConstructor(owner, MethodType.methodType(void.class, parameters));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MethodHandle getter(Class<?> owner, String name, Class<?> type) {
        return method(owner, name, type);
    }

    private static MethodHandle method(Class<?> owner, String name, Class<?> returnType, Class<?>... parameters) {
        try {
            return lookup(owner).findVirtual(owner, name, MethodType.methodType(returnType, parameters));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
