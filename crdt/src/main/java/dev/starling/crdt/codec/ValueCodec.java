package dev.starling.crdt.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the application's values (and keys) to bytes. Must be deterministic (equal values, equal
 * bytes) and its decoder must reject what it cannot read with {@link CrdtDecodeException}.
 *
 * @param <V> value type
 */
public interface ValueCodec<V> {

    byte[] encode(V value);

    V decode(byte[] bytes) throws CrdtDecodeException;

    /** UTF-8 strings; malformed UTF-8 is rejected rather than replaced. */
    static ValueCodec<String> utf8() {
        return Utf8.INSTANCE;
    }

    /** Signed 64-bit integers, 8 bytes big-endian. */
    static ValueCodec<Long> int64() {
        return Int64.INSTANCE;
    }

    /** See {@link ValueCodec#utf8()}. */
    final class Utf8 implements ValueCodec<String> {
        static final Utf8 INSTANCE = new Utf8();

        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) throws CrdtDecodeException {
            if (isAscii(bytes)) {
                // the common case (keys, set elements), without a decoder per call: ASCII is valid UTF-8
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
            try {
                return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            } catch (CharacterCodingException e) {
                throw new CrdtDecodeException("malformed UTF-8 string", e);
            }
        }

        private static boolean isAscii(byte[] bytes) {
            for (byte b : bytes) {
                if (b < 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** See {@link ValueCodec#int64()}. */
    final class Int64 implements ValueCodec<Long> {
        static final Int64 INSTANCE = new Int64();

        @Override
        public byte[] encode(Long value) {
            return ByteBuffer.allocate(8).putLong(value).array();
        }

        @Override
        public Long decode(byte[] bytes) throws CrdtDecodeException {
            if (bytes.length != 8) {
                throw new CrdtDecodeException("int64 value must be 8 bytes, got " + bytes.length);
            }
            return ByteBuffer.wrap(bytes).getLong();
        }
    }
}
