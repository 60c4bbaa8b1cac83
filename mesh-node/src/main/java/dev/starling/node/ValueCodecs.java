package dev.starling.node;

import dev.starling.crdt.codec.ValueCodec;

/** The {@link ValueCodec} of {@link Value}: its bytes as they are, without a copy either way. */
public final class ValueCodecs {

    private static final ValueCodec<Value> BYTES = new ValueCodec<>() {
        @Override
        public byte[] encode(Value value) {
            return value.unsafeBytes();
        }

        @Override
        public Value decode(byte[] bytes) {
            return Value.wrap(bytes);
        }
    };

    private ValueCodecs() {
    }

    /**
     * Values as raw bytes. The encoder hands out the value's own array: callers (the crdt codecs,
     * which copy it into protobuf) must only read it.
     */
    public static ValueCodec<Value> bytes() {
        return BYTES;
    }
}
