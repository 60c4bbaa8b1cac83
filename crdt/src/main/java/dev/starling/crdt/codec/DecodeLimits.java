package dev.starling.crdt.codec;

/**
 * Bounds a decoder enforces on input from outside, beyond the byte length of the input itself.
 *
 * @param maxDepth deepest nesting of OR-maps in a generic dot store, the top-level map included
 *     (protobuf recursion is bounded at {@code 3 * maxDepth + 8} messages, far below the stack: each
 *     map level is three messages, store, map and entry)
 * @param maxKeyBytes longest encoded key, set element or document id
 * @param maxValueBytes longest encoded value of one register or map entry
 * @param maxDotsPerEntry most dots one set element, or siblings one register, may carry
 */
public record DecodeLimits(int maxDepth, int maxKeyBytes, int maxValueBytes, int maxDotsPerEntry) {

    /** Defaults that match the HTTP API's limits: keys 1 KiB, values 1 MiB, depth 8, 1024 dots. */
    public static final DecodeLimits DEFAULT = new DecodeLimits(8, 1024, 1 << 20, 1024);

    public DecodeLimits {
        if (maxDepth < 1 || maxKeyBytes < 1 || maxValueBytes < 1 || maxDotsPerEntry < 1) {
            throw new IllegalArgumentException("decode limits must be positive");
        }
    }

    int recursionLimit() {
        return 3 * maxDepth + 8;
    }
}
