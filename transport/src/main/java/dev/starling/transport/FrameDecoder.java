package dev.starling.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.function.LongSupplier;

/**
 * Splits the byte stream into frames: a 4-byte big-endian length, then that many bytes. A length
 * over {@code maxFrameBytes} (or negative) fails at once, before any buffer grows to hold the frame
 * (fail-fast). A frame that is still incomplete {@code frameTimeoutNs} after its first byte arrived
 * fails too, so a peer trickling bytes cannot pin a buffer forever. Emits the frame body (without
 * the length), which the next handler owns and releases.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    /** A frame took longer than the frame timeout to arrive. */
    static final class FrameTimeoutException extends DecoderException {
        private static final long serialVersionUID = 1L;

        FrameTimeoutException(String message) {
            super(message);
        }
    }

    static final int LENGTH_BYTES = 4;

    private final long frameTimeoutNs;
    private final LongSupplier nanoClock;
    /** When the first byte of the incomplete frame arrived; meaningful only while {@link #partial}. */
    private long partialSinceNs;
    /** A frame has started but not completed (a flag: nano clock values may be negative). */
    private boolean partial;

    FrameDecoder(int maxFrameBytes, long frameTimeoutNs, LongSupplier nanoClock) {
        super(maxFrameBytes + LENGTH_BYTES, 0, LENGTH_BYTES, 0, LENGTH_BYTES, true);
        this.frameTimeoutNs = frameTimeoutNs;
        this.nanoClock = nanoClock;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        Object frame = super.decode(ctx, in);
        if (frame != null) {
            partial = false;
            return frame;
        }
        if (!in.isReadable()) {
            partial = false;
            return null;
        }
        long now = nanoClock.getAsLong();
        if (!partial) {
            partial = true;
            partialSinceNs = now;
        } else if (now - partialSinceNs > frameTimeoutNs) {
            in.skipBytes(in.readableBytes());
            throw new FrameTimeoutException("frame incomplete after " + (frameTimeoutNs / 1_000_000) + " ms");
        }
        return null;
    }
}
