package dev.starling.node.replication;

/**
 * The digest of a replica's replicated state ({@code GET /v1/digest}): two replicas have equal roots
 * exactly when they hold the same entries in the same states (up to 128-bit hash collisions).
 *
 * @param root    32 lowercase hex digits: the sums (mod 2^64) of every entry's 128-bit digest
 * @param entries entries counted (map keys, tombstones included, plus one per other object)
 * @param objects named objects (a name created concurrently as two kinds counts twice)
 */
public record Digest(String root, long entries, int objects) {

    static String hex(long hi, long lo) {
        return pad(Long.toHexString(hi)) + pad(Long.toHexString(lo));
    }

    private static String pad(String h) {
        return "0".repeat(16 - h.length()) + h;
    }
}
