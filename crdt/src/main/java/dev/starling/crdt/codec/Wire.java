package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.starling.crdt.CausalContext;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotStore;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.proto.v1.CausalContextProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Shared checks and conversions of the codecs. Every check failure is a {@link CrdtDecodeException}. */
final class Wire {

    private Wire() {
    }

    static <P extends MessageLite> P parse(Parser<P> parser, byte[] bytes, DecodeLimits limits)
            throws CrdtDecodeException {
        if (bytes == null) {
            throw new CrdtDecodeException("no input");
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(limits.recursionLimit());
            return parser.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new CrdtDecodeException("malformed protobuf: " + e.getMessage(), e);
        }
    }

    static ReplicaId replica(long value) throws CrdtDecodeException {
        if (value == 0) {
            throw new CrdtDecodeException("replica id 0 is not valid");
        }
        return new ReplicaId(value);
    }

    static long counter(long value) throws CrdtDecodeException {
        if (value < 1) {
            throw new CrdtDecodeException("counter must be in 1..2^63-1, got " + Long.toUnsignedString(value));
        }
        return value;
    }

    static Dot dot(long replica, long counter) throws CrdtDecodeException {
        return new Dot(replica(replica), counter(counter));
    }

    static Hlc hlc(long physicalMs, int logical, ReplicaId replica) throws CrdtDecodeException {
        if (physicalMs < 0 || physicalMs > Hlc.MAX_PHYSICAL_MS) {
            throw new CrdtDecodeException("HLC physical time out of range: " + Long.toUnsignedString(physicalMs));
        }
        if (logical < 0 || logical > Hlc.MAX_LOGICAL) {
            throw new CrdtDecodeException("HLC logical counter out of range: " + Integer.toUnsignedString(logical));
        }
        return new Hlc(physicalMs, logical, replica);
    }

    static byte[] bounded(ByteString bytes, int max, String what) throws CrdtDecodeException {
        if (bytes.size() > max) {
            throw new CrdtDecodeException(what + " of " + bytes.size() + " bytes is over the limit of " + max);
        }
        return bytes.toByteArray();
    }

    static CausalContextProto context(CausalContext context) {
        CausalContextProto.Builder b = CausalContextProto.newBuilder();
        context.forEachVersion((r, c) -> {
            b.addVvReplicas(r.value());
            b.addVvCounters(c);
        });
        context.forEachCloudDot(d -> {
            b.addCloudReplicas(d.replica().value());
            b.addCloudCounters(d.counter());
        });
        return b.build();
    }

    static CausalContext context(CausalContextProto p) throws CrdtDecodeException {
        if (p.getVvReplicasCount() != p.getVvCountersCount()) {
            throw new CrdtDecodeException("version vector has " + p.getVvReplicasCount() + " replicas and "
                + p.getVvCountersCount() + " counters");
        }
        if (p.getCloudReplicasCount() != p.getCloudCountersCount()) {
            throw new CrdtDecodeException("dot cloud has " + p.getCloudReplicasCount() + " replicas and "
                + p.getCloudCountersCount() + " counters");
        }
        Map<ReplicaId, Long> vv = new HashMap<>();
        for (int i = 0; i < p.getVvReplicasCount(); i++) {
            if (vv.put(replica(p.getVvReplicas(i)), counter(p.getVvCounters(i))) != null) {
                throw new CrdtDecodeException("version vector lists a replica twice");
            }
        }
        List<Dot> cloud = new ArrayList<>(p.getCloudReplicasCount());
        Set<Dot> seen = new HashSet<>();
        for (int i = 0; i < p.getCloudReplicasCount(); i++) {
            Dot d = dot(p.getCloudReplicas(i), p.getCloudCounters(i));
            Long prefix = vv.get(d.replica());
            if ((prefix != null && d.counter() <= prefix) || !seen.add(d)) {
                throw new CrdtDecodeException("causal context lists dot " + d + " twice");
            }
            cloud.add(d);
        }
        return CausalContext.of(vv, cloud);
    }

    /**
     * Checks the causal invariants: every dot in the store was seen by the context, and occurs once
     * (a dot names one write, of one key).
     */
    static void requireCovered(DotStore<?> store, CausalContext context) throws CrdtDecodeException {
        Set<Dot> seen = new HashSet<>();
        Dot[] twice = new Dot[1];
        Dot[] missing = new Dot[1];
        store.forEachDot(d -> {
            if (twice[0] == null && !seen.add(d)) {
                twice[0] = d;
            }
            if (missing[0] == null && !context.contains(d)) {
                missing[0] = d;
            }
        });
        if (twice[0] != null) {
            throw new CrdtDecodeException("store holds dot " + twice[0] + " twice");
        }
        if (missing[0] != null) {
            throw new CrdtDecodeException("store holds dot " + missing[0] + " that its context has not seen");
        }
    }

    /** Encoded keys with their payloads, sorted by unsigned bytes, for deterministic output. */
    static <T> List<Map.Entry<byte[], T>> sortedByKey(List<Map.Entry<byte[], T>> entries) {
        entries.sort((a, b) -> Arrays.compareUnsigned(a.getKey(), b.getKey()));
        return entries;
    }

    static List<byte[]> sortedKeys(List<byte[]> keys) {
        keys.sort(Arrays::compareUnsigned);
        return keys;
    }
}
