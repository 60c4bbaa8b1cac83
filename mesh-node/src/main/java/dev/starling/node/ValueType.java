package dev.starling.node;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * How an embedded program reads and writes a {@link Value}: a pure, deterministic conversion
 * between bytes and an immutable Java object. Decoders throw {@link IllegalArgumentException} for
 * bytes they cannot read.
 *
 * @param <T> the decoded type; must be immutable
 */
public interface ValueType<T> {

    T decode(byte[] bytes);

    byte[] encode(T value);

    /** UTF-8 text; malformed bytes are replaced, never rejected. */
    ValueType<String> UTF8 = new ValueType<>() {
        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
    };

    /** A signed 64-bit integer, 8 bytes big-endian. */
    ValueType<Long> INT64 = new ValueType<>() {
        @Override
        public Long decode(byte[] bytes) {
            if (bytes.length != 8) {
                throw new IllegalArgumentException("an int64 value has 8 bytes, not " + bytes.length);
            }
            return ByteBuffer.wrap(bytes).getLong();
        }

        @Override
        public byte[] encode(Long value) {
            return ByteBuffer.allocate(8).putLong(value).array();
        }
    };

    /** An IEEE 754 double, 8 bytes big-endian. */
    ValueType<Double> FLOAT64 = new ValueType<>() {
        @Override
        public Double decode(byte[] bytes) {
            if (bytes.length != 8) {
                throw new IllegalArgumentException("a float64 value has 8 bytes, not " + bytes.length);
            }
            return ByteBuffer.wrap(bytes).getDouble();
        }

        @Override
        public byte[] encode(Double value) {
            return ByteBuffer.allocate(8).putDouble(value).array();
        }
    };
}
