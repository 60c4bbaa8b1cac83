package dev.starling.transport;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.starling.transport.proto.v1.FrameProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes frames. Control frames ({@link FrameProto}) go through this handler; batches are encoded
 * by {@link #encodeBatch} straight into one buffer (no intermediate protobuf objects, no copy of
 * the payloads into ByteStrings) and written as a {@link ByteBuf}, which this handler passes through.
 * The batch bytes are exactly what the generated code writes for
 * {@code FrameProto{batch: BatchProto{version, sender, messages}}} (so the sender's and the
 * receiver's byte counters agree).
 */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToByteEncoder<FrameProto> {

    static final FrameEncoder INSTANCE = new FrameEncoder();

    private static final int FRAME_BATCH_FIELD = FrameProto.BATCH_FIELD_NUMBER;

    private FrameEncoder() {
        super(FrameProto.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, FrameProto frame, ByteBuf out) throws IOException {
        int size = frame.getSerializedSize();
        out.ensureWritable(FrameDecoder.LENGTH_BYTES + size);
        out.writeInt(size);
        CodedOutputStream cos = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
        frame.writeTo(cos);
        cos.flush();
        out.writerIndex(out.writerIndex() + size);
    }

    /** Size of the encoded message entry of one payload (tag, length and body). */
    static int messageEntrySize(int type, int payloadLength) {
        int body = messageBodySize(type, payloadLength);
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    }

    /** Like the generated code, an empty payload (the proto3 default) is not written at all. */
    private static int messageBodySize(int type, int payloadLength) {
        int size = 1 + CodedOutputStream.computeUInt32SizeNoTag(type);
        if (payloadLength > 0) {
            size += 1 + CodedOutputStream.computeUInt32SizeNoTag(payloadLength) + payloadLength;
        }
        return size;
    }

    /** Encodes a length-prefixed batch frame of {@code messages[from, to)}. */
    static ByteBuf encodeBatch(ByteBufAllocator alloc, int version, long sender, List<Outgoing> messages) {
        int batchBody = 1 + CodedOutputStream.computeUInt32SizeNoTag(version) + 1 + 8;
        for (int i = 0, n = messages.size(); i < n; i++) {
            Outgoing m = messages.get(i);
            batchBody += messageEntrySize(m.type(), m.payload().length);
        }
        int frameBody = 1 + CodedOutputStream.computeUInt32SizeNoTag(batchBody) + batchBody;
        ByteBuf buf = alloc.ioBuffer(FrameDecoder.LENGTH_BYTES + frameBody);
        boolean ok = false;
        try {
            buf.writeInt(frameBody);
            CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(buf.writerIndex(), frameBody));
            out.writeTag(FRAME_BATCH_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(batchBody);
            out.writeUInt32(1, version);
            out.writeFixed64(2, sender);
            for (int i = 0, n = messages.size(); i < n; i++) {
                Outgoing m = messages.get(i);
                out.writeTag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(messageBodySize(m.type(), m.payload().length));
                out.writeUInt32(1, m.type());
                if (m.payload().length > 0) {
                    out.writeByteArray(2, m.payload());
                }
            }
            out.flush();
            buf.writerIndex(buf.writerIndex() + frameBody);
            ok = true;
            return buf;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }
}
