package dev.starling.node;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable value as the keyspace replicates it: opaque bytes (the HTTP API stores canonical
 * JSON text, an embedded program whatever its codec writes).
 *
 * <p>Reads are meant for control loops: {@link #as(ValueType)} decodes once and caches the decoded
 * object in the value itself, so reading the same value again is a field load and allocates
 * nothing. The cache is a benign race in the style of {@code String.hash}: two threads may both
 * decode, and either result is correct because decoders are pure and their results immutable.
 */
public final class Value {

    private final byte[] bytes;
    private int hash;
    /** The last decoding, type and result in one immutable object so racing readers see a pair. */
    private Decoded cached;

    private Value(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A value holding a copy of {@code bytes}. */
    public static Value of(byte[] bytes) {
        return new Value(bytes.clone());
    }

    /** A value that takes ownership of {@code bytes}: the caller must not change them afterwards. */
    public static Value wrap(byte[] bytes) {
        return new Value(Objects.requireNonNull(bytes, "bytes"));
    }

    public static Value utf8(String text) {
        return new Value(text.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
        return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The bytes themselves, for codecs of this module that only read them. */
    byte[] unsafeBytes() {
        return bytes;
    }

    /** The bytes decoded as UTF-8 (malformed input replaced), cached like {@link #as}. */
    public String asUtf8() {
        return as(ValueType.UTF8);
    }

    /**
     * This value decoded by {@code type}; decoded once per value and type, then cached.
     *
     * @throws IllegalArgumentException if the bytes are not a valid {@code type}
     */
    @SuppressWarnings("unchecked")
    public <T> T as(ValueType<T> type) {
        Decoded c = cached;
        if (c != null && c.type == type) {
            return (T) c.value;
        }
        T decoded = type.decode(bytes);
        cached = new Decoded(type, decoded);
        return decoded;
    }

    private static final class Decoded {
        final ValueType<?> type;
        final Object value;

        Decoded(ValueType<?> type, Object value) {
            this.type = type;
            this.value = value;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Value && Arrays.equals(bytes, ((Value) o).bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        return bytes.length <= 64 ? "Value(" + asUtf8() + ")" : "Value(" + bytes.length + " bytes)";
    }
}
