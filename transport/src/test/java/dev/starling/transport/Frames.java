package dev.starling.transport;

import com.google.protobuf.ByteString;
import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.ClientHelloProto;
import dev.starling.transport.proto.v1.ClientProofProto;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.GoodbyeProto;
import dev.starling.transport.proto.v1.PingProto;
import dev.starling.transport.proto.v1.ServerHelloProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;

/** Builds and reads wire bytes for tests: frames exactly as a peer would put them on the socket. */
final class Frames {

    private Frames() {
    }

    /** The 4-byte big-endian length followed by {@code body}. */
    static byte[] lengthPrefixed(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    static byte[] frame(FrameProto frame) {
        return lengthPrefixed(frame.toByteArray());
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** A batch frame (with its length prefix) as the sender's hand encoder writes it. */
    static byte[] batch(int version, ReplicaId sender, List<Outgoing> messages) {
        ByteBuf buf = FrameEncoder.encodeBatch(UnpooledByteBufAllocator.DEFAULT, version, sender.value(), messages);
        try {
            return ByteBufs.copy(buf);
        } finally {
            buf.release();
        }
    }

    static FrameProto clientHello(ReplicaId replica, String cluster, byte[] nonce) {
        return FrameProto.newBuilder().setClientHello(ClientHelloProto.newBuilder()
            .setMinVersion(TransportConfig.MIN_PROTOCOL_VERSION)
            .setMaxVersion(TransportConfig.MAX_PROTOCOL_VERSION)
            .setCluster(cluster)
            .setReplica(replica.value())
            .setNonce(ByteString.copyFrom(nonce))).build();
    }

    static FrameProto serverHello(int version, ReplicaId replica, String cluster, byte[] nonce, byte[] proof) {
        return FrameProto.newBuilder().setServerHello(ServerHelloProto.newBuilder()
            .setVersion(version)
            .setCluster(cluster)
            .setReplica(replica.value())
            .setNonce(ByteString.copyFrom(nonce))
            .setProof(ByteString.copyFrom(proof))).build();
    }

    static FrameProto clientProof(byte[] proof) {
        return FrameProto.newBuilder().setClientProof(ClientProofProto.newBuilder().setProof(ByteString.copyFrom(proof)))
            .build();
    }

    static FrameProto ping() {
        return FrameProto.newBuilder().setPing(PingProto.newBuilder().setSentAtMs(1)).build();
    }

    static FrameProto goodbye(String reason) {
        return FrameProto.newBuilder().setGoodbye(GoodbyeProto.newBuilder().setReason(reason)).build();
    }

    /**
     * {@code depth} nested groups (field 15) inside a frame body: a few hundred kilobytes of input
     * that a parser without a recursion limit would descend into {@code depth} frames deep.
     */
    static byte[] nestedGroups(int depth) {
        byte startGroup = (byte) ((15 << 3) | 3);
        byte endGroup = (byte) ((15 << 3) | 4);
        byte[] body = new byte[2 * depth];
        for (int i = 0; i < depth; i++) {
            body[i] = startGroup;
            body[2 * depth - 1 - i] = endGroup;
        }
        return body;
    }

    /** {@code depth} nested length-delimited fields (field 15), innermost empty. */
    static byte[] nestedLengthDelimited(int depth) {
        // inner[i]: size of the content of level i (level depth-1 is the innermost, empty one).
        int[] content = new int[depth];
        int size = 0;
        for (int i = depth - 1; i >= 0; i--) {
            content[i] = size;
            size = 1 + varintSize(size) + size;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < depth; i++) {
            b.put((byte) ((15 << 3) | 2));
            int len = content[i];
            while ((len & ~0x7F) != 0) {
                b.put((byte) ((len & 0x7F) | 0x80));
                len >>>= 7;
            }
            b.put((byte) len);
        }
        return b.array();
    }

    private static int varintSize(int v) {
        int n = 1;
        while ((v & ~0x7F) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }
    /** What the envelope decoder emitted, as a FrameProto: batches come out as {@link DecodedBatch}. */
    static dev.starling.transport.proto.v1.FrameProto asFrame(Object decoded) {
        if (!(decoded instanceof DecodedBatch)) {
            return (dev.starling.transport.proto.v1.FrameProto) decoded;
        }
        DecodedBatch d = (DecodedBatch) decoded;
        dev.starling.transport.proto.v1.BatchProto.Builder b = dev.starling.transport.proto.v1.BatchProto.newBuilder()
            .setVersion(d.version).setSender(d.sender);
        for (int i = 0; i < d.count; i++) {
            b.addMessages(dev.starling.transport.proto.v1.MessageProto.newBuilder().setType(d.types[i])
                .setPayload(com.google.protobuf.ByteString.copyFrom(d.payloads[i])));
        }
        return dev.starling.transport.proto.v1.FrameProto.newBuilder().setBatch(b).build();
    }
}
