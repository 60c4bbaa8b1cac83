package dev.starling.node.membership;

import com.google.protobuf.CodedInputStream;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.membership.proto.v1.MemberMetaProto;
import io.scalecube.cluster.metadata.MetadataCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * scalecube's metadata codec for Starling: {@link MemberMeta} as a {@code MemberMetaProto}, never
 * Java serialization. The membership sets it explicitly; it is also registered as the
 * {@code MetadataCodec} service (META-INF/services), which makes it scalecube's default in this JVM
 * in place of its JDK-serialization codec. Not meant to be used directly.
 */
public final class MemberMetaCodec implements MetadataCodec {

    /** The largest metadata accepted: four names of at most 253 bytes plus the numbers. */
    static final int MAX_BYTES = 2048;

    /** For the service loader. */
    public MemberMetaCodec() {
    }

    /** Decodes metadata; throws {@link IllegalArgumentException} if it is not a valid {@code MemberMetaProto}. */
    @Override
    public Object deserialize(ByteBuffer buffer) {
        try {
            return decode(buffer);
        } catch (SwimDecodeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public ByteBuffer serialize(Object metadata) {
        if (!(metadata instanceof MemberMeta meta)) {
            throw new IllegalArgumentException("not Starling member metadata: "
                + (metadata == null ? "null" : metadata.getClass().getName()));
        }
        return ByteBuffer.wrap(encode(meta));
    }

    static byte[] encode(MemberMeta meta) {
        return MemberMetaProto.newBuilder()
            .setCluster(meta.cluster())
            .setReplica(meta.replicaId().value())
            .setName(meta.name())
            .setDataHost(meta.dataHost())
            .setDataPort(meta.dataPort())
            .build()
            .toByteArray();
    }

    /** Decodes and checks metadata; the buffer's position is not moved. */
    static MemberMeta decode(ByteBuffer buffer) throws SwimDecodeException {
        if (buffer == null) {
            throw new SwimDecodeException("no metadata");
        }
        ByteBuffer b = buffer.slice();
        if (b.remaining() > MAX_BYTES) {
            throw new SwimDecodeException("metadata of " + b.remaining() + " bytes");
        }
        MemberMetaProto p;
        try {
            CodedInputStream in = CodedInputStream.newInstance(b);
            in.setRecursionLimit(4);
            p = MemberMetaProto.parseFrom(in);
        } catch (IOException | RuntimeException e) {
            throw new SwimDecodeException("metadata is not a MemberMetaProto", e);
        }
        checkName(p.getCluster(), "cluster");
        checkName(p.getName(), "name");
        checkName(p.getDataHost(), "data host");
        if (p.getReplica() == 0L) {
            throw new SwimDecodeException("metadata without a replica id");
        }
        if (p.getDataPort() < 1 || p.getDataPort() > 65535) {
            throw new SwimDecodeException("metadata data port " + p.getDataPort());
        }
        return new MemberMeta(p.getCluster(), new ReplicaId(p.getReplica()), p.getName(), p.getDataHost(),
            p.getDataPort());
    }

    private static void checkName(String s, String what) throws SwimDecodeException {
        if (s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > MembershipConfig.MAX_NAME_BYTES) {
            throw new SwimDecodeException("metadata " + what + " empty or too long");
        }
    }
}
