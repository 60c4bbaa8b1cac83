package dev.starling.crdt.codec;

/**
 * The one exception every decoder of this package throws for input it cannot accept: truncated or
 * malformed protobuf, an unknown type, counts or sizes over the {@link DecodeLimits}, invalid dots,
 * clocks or ids, duplicate keys, wrong dimensions, NaN or infinite numbers. A decoder that throws
 * has built nothing: no partial state escapes.
 */
public final class CrdtDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    public CrdtDecodeException(String message) {
        super(message);
    }

    public CrdtDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
