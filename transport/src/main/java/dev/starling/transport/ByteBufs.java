package dev.starling.transport;

import io.netty.buffer.ByteBuf;

/** Small buffer helpers. */
final class ByteBufs {

    private ByteBufs() {
    }

    /** The readable bytes as a fresh array, without moving the reader index. */
    static byte[] copy(ByteBuf buf) {
        byte[] b = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), b);
        return b;
    }
}
