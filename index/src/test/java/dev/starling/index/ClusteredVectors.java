package dev.starling.index;

import java.util.Random;

/**
 * Test vectors shaped like sentence embeddings: a mixture of Gaussian clusters on the unit sphere.
 * {@code clusters} centres are drawn uniformly on the sphere; a vector is
 * {@code normalise(centre + spread * g)} with {@code g} standard Gaussian per component scaled by
 * 1/sqrt(dims), so {@code spread} is the noise-to-signal norm ratio: 1.0 gives a typical cosine of
 * about 0.5 between a vector and its centre's other members, close to what all-MiniLM-L6-v2 gives for
 * sentences on one topic; topics are nearly orthogonal, as in high dimension. Seeded, so every run
 * draws the same vectors. The HNSW benchmark (bench module) uses it through this module's test-jar.
 */
public final class ClusteredVectors {

    private final int dims;
    private final float spread;
    private final float[][] centres;
    private final Random random;

    public ClusteredVectors(int dims, int clusters, float spread, long seed) {
        this.dims = dims;
        this.spread = spread;
        this.random = new Random(seed);
        this.centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = gaussianUnit();
        }
    }

    public float[] next() {
        float[] centre = centres[random.nextInt(centres.length)];
        float[] v = new float[dims];
        double scale = spread / Math.sqrt(dims);
        double n2 = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (centre[i] + scale * random.nextGaussian());
            n2 += (double) v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(n2));
        for (int i = 0; i < dims; i++) {
            v[i] *= inv;
        }
        return v;
    }

    public float[][] next(int n) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = next();
        }
        return out;
    }

    private float[] gaussianUnit() {
        float[] v = new float[dims];
        double n2 = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) random.nextGaussian();
            n2 += (double) v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(n2));
        for (int i = 0; i < dims; i++) {
            v[i] *= inv;
        }
        return v;
    }
}
