package dev.starling.transport;

import com.google.protobuf.WireFormat;
import dev.starling.transport.proto.v1.BatchProto;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.MessageProto;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A batch frame ({@code FrameProto{batch: BatchProto}}) decoded straight from the frame bytes:
 * each payload is copied once, from the frame into the {@code byte[]} the consumer receives, with
 * no {@code FrameProto}/{@code BatchProto}/{@code MessageProto}/{@code ByteString} objects in between.
 * Owns no buffer.
 *
 * <p>{@link #tryParse} handles only the plain shape that {@link FrameEncoder#encodeBatch} writes:
 * the frame holds exactly one {@code batch} field; the batch holds only {@code version},
 * {@code sender} and {@code messages} fields; each message only {@code type} and {@code payload}
 * (repeated scalars: the last one wins, as in protobuf), with one-byte tags and varints of at most
 * 5 bytes. Anything else (unknown fields, other wire types, groups, a second {@code batch} field,
 * trailing bytes, over-long varints, any malformed or truncated input) makes it return null, and
 * the frame is then parsed by the generated protobuf parser, which gives the same result or the same
 * error as before this fast path existed. Where both accept a frame they agree on every field
 * (checked by differential fuzzing against the generated parser while writing it).
 */
final class DecodedBatch {

    private static final int FRAME_BATCH_TAG = tag(FrameProto.BATCH_FIELD_NUMBER,
        WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int VERSION_TAG = tag(BatchProto.VERSION_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int SENDER_TAG = tag(BatchProto.SENDER_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED64);
    private static final int MESSAGE_TAG = tag(BatchProto.MESSAGES_FIELD_NUMBER,
        WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int TYPE_TAG = tag(MessageProto.TYPE_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
    private static final int PAYLOAD_TAG = tag(MessageProto.PAYLOAD_FIELD_NUMBER,
        WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final byte[] EMPTY = new byte[0];

    private static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }

    /** What the handshake states see of a batch: only its kind matters to them. */
    static final FrameProto AS_FRAME = FrameProto.newBuilder().setBatch(BatchProto.getDefaultInstance()).build();

    final int version;
    final long sender;
    final int count;
    final int[] types;
    final byte[][] payloads;
    /** Bytes of the frame body (without the 4-byte length prefix). */
    final int frameBytes;

    DecodedBatch(int version, long sender, int count, int[] types, byte[][] payloads, int frameBytes) {
        this.version = version;
        this.sender = sender;
        this.count = count;
        this.types = types;
        this.payloads = payloads;
        this.frameBytes = frameBytes;
    }

    /** The same batch from a generically parsed frame (payloads copied out of their ByteStrings). */
    static DecodedBatch of(BatchProto batch, int frameBytes) {
        int n = batch.getMessagesCount();
        int[] types = new int[n];
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++) {
            MessageProto m = batch.getMessages(i);
            types[i] = m.getType();
            payloads[i] = m.getPayload().toByteArray();
        }
        return new DecodedBatch(batch.getVersion(), batch.getSender(), n, types, payloads, frameBytes);
    }

    /** Decodes a plain batch frame body, or returns null (see the class comment); never throws. */
    static DecodedBatch tryParse(ByteBuf frame) {
        if (frame.nioBufferCount() != 1) {
            return null;
        }
        try {
            return new Reader(frame.nioBuffer()).batchFrame();
        } catch (RuntimeException e) {
            return null; // cannot happen for any input (every read is bounds-checked first); fall back all the same
        }
    }

    /**
     * A strict reader of the plain shape over the frame's bytes ({@code buf} positions 0..limit). Every
     * method returns a negative value or null as soon as the input leaves the plain shape or would
     * read past the end of the enclosing field; the caller then gives up on the whole frame. Varints
     * are decoded as protobuf's {@code readRawVarint32} decodes them (low 32 bits), but only in up
     * to 5 bytes: longer ones (legal, never written by protobuf for these fields) fall back.
     */
    private static final class Reader {
        private final ByteBuffer buf;
        private int pos;
        /** Result of the last {@link #varint32}: true when it was well formed and within the limit. */
        private boolean ok;

        Reader(ByteBuffer buf) {
            this.buf = buf;
            this.pos = buf.position();
        }

        DecodedBatch batchFrame() {
            int end = buf.limit();
            int frameBytes = end - pos;
            if (pos >= end || buf.get(pos++) != FRAME_BATCH_TAG) {
                return null;
            }
            int batchEnd = lengthDelimitedEnd(end);
            if (batchEnd != end) {
                return null; // truncated, or more fields after the batch
            }
            int version = 0;
            long sender = 0;
            int count = 0;
            int[] types = new int[16];
            byte[][] payloads = new byte[16][];
            while (pos < batchEnd) {
                int tag = buf.get(pos++);
                if (tag == MESSAGE_TAG) {
                    int messageEnd = lengthDelimitedEnd(batchEnd);
                    if (messageEnd < 0) {
                        return null;
                    }
                    int type = 0;
                    byte[] payload = EMPTY;
                    while (pos < messageEnd) {
                        int t = buf.get(pos++);
                        if (t == TYPE_TAG) {
                            type = varint32(messageEnd);
                            if (!ok) {
                                return null;
                            }
                        } else if (t == PAYLOAD_TAG) {
                            int payloadEnd = lengthDelimitedEnd(messageEnd);
                            if (payloadEnd < 0) {
                                return null;
                            }
                            payload = new byte[payloadEnd - pos];
                            buf.get(pos, payload);
                            pos = payloadEnd;
                        } else {
                            return null;
                        }
                    }
                    if (count == types.length) {
                        types = Arrays.copyOf(types, count * 2);
                        payloads = Arrays.copyOf(payloads, count * 2);
                    }
                    types[count] = type;
                    payloads[count] = payload;
                    count++;
                } else if (tag == VERSION_TAG) {
                    version = varint32(batchEnd);
                    if (!ok) {
                        return null;
                    }
                } else if (tag == SENDER_TAG) {
                    if (batchEnd - pos < 8) {
                        return null;
                    }
                    sender = Long.reverseBytes(buf.getLong(pos));
                    pos += 8;
                } else {
                    return null;
                }
            }
            return new DecodedBatch(version, sender, count, types, payloads, frameBytes);
        }

        /** Reads a length and returns where the field's bytes end, or -1 if that is past {@code limit}. */
        private int lengthDelimitedEnd(int limit) {
            int length = varint32(limit);
            if (!ok || length < 0 || length > limit - pos) {
                return -1;
            }
            return pos + length;
        }

        private int varint32(int limit) {
            ok = false;
            int result = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (pos >= limit) {
                    return 0;
                }
                int b = buf.get(pos++);
                result |= (b & 0x7F) << shift;
                if (b >= 0) {
                    ok = true;
                    return result;
                }
            }
            return 0; // longer than 5 bytes
        }
    }
}
