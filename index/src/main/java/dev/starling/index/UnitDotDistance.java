package dev.starling.index;

import com.github.jelmerk.hnswlib.core.DistanceFunction;

/**
 * Cosine distance of unit vectors, {@code 1 - a·b}: the vectors are normalised on the way in, so the
 * norms hnswlib's cosine distance would recompute on every call are 1.
 */
final class UnitDotDistance implements DistanceFunction<float[], Float> {

    private static final long serialVersionUID = 1L;

    @Override
    public Float distance(float[] u, float[] v) {
        return 1f - Vectors.dot(u, v);
    }
}
