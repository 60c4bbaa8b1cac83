package dev.starling.crdt;

/**
 * Which encoder produced an embedding. {@code fingerprint} names the exact model (for example the
 * first 8 bytes of the SHA-256 of its file); {@code generation} orders the models one collection has
 * used, so an embedding from a later generation dominates older ones in an {@link EmbeddingRegister}.
 * Ordered by generation, then by fingerprint (unsigned) so that two different models given the same
 * generation by mistake still resolve the same way on every replica.
 */
public record ModelVersion(int generation, long fingerprint) implements Comparable<ModelVersion> {

    public ModelVersion {
        if (generation < 0) {
            throw new IllegalArgumentException("model generation must be >= 0: " + generation);
        }
    }

    @Override
    public int compareTo(ModelVersion o) {
        int c = Integer.compare(generation, o.generation);
        return c != 0 ? c : Long.compareUnsigned(fingerprint, o.fingerprint);
    }

    @Override
    public String toString() {
        return generation + "/" + Long.toHexString(fingerprint);
    }
}
