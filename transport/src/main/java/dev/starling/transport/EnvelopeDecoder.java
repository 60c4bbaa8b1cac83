package dev.starling.transport;

import com.google.protobuf.CodedInputStream;
import dev.starling.transport.proto.v1.FrameProto;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.io.IOException;
import java.util.List;

/**
 * Parses one frame body into a {@link FrameProto}, or, for a batch frame of the plain shape the
 * encoder writes, into a {@link DecodedBatch} (same content, without the per-message protobuf
 * objects and the second payload copy). The input buffer is released by the base class after this
 * returns; the output owns no buffer. Protobuf recursion is limited far below the stack (the schema
 * needs depth 4), and malformed input fails with {@link CorruptedFrameException}.
 */
final class EnvelopeDecoder extends MessageToMessageDecoder<ByteBuf> {

    static final int RECURSION_LIMIT = 16;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        DecodedBatch batch = DecodedBatch.tryParse(frame);
        out.add(batch != null ? batch : parse(frame));
    }

    static FrameProto parse(ByteBuf frame) {
        try {
            CodedInputStream in = frame.nioBufferCount() == 1
                ? CodedInputStream.newInstance(frame.nioBuffer())
                : CodedInputStream.newInstance(ByteBufs.copy(frame));
            in.setRecursionLimit(RECURSION_LIMIT);
            FrameProto parsed = FrameProto.parseFrom(in);
            in.checkLastTagWas(0);
            return parsed;
        } catch (IOException e) {
            throw new CorruptedFrameException("malformed frame: " + e.getMessage(), e);
        }
    }
}
