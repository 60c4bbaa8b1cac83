package dev.starling.crdt;

import java.util.Arrays;
import java.util.Objects;

/**
 * One embedding as it is stored and shipped: int8-quantized with one scale per vector, tagged with
 * the model that produced it. The vector is L2-normalised before quantization, so every write weighs
 * the same in an average; {@code q[i] = round(v[i] / scale)} with {@code scale = max|v| / 127}, so the
 * error per component is at most {@code scale / 2} (under 0.004 for a unit vector) and 384 dimensions
 * take 384 bytes instead of 1536 as float32. Every replica keeps the bytes it received, so equal
 * states hold identical vectors.
 */
public final class EmbeddingValue {

    /** Largest accepted dimension. */
    public static final int MAX_DIMENSIONS = 4096;

    private final ModelVersion model;
    private final float scale;
    private final byte[] quantized;

    private EmbeddingValue(ModelVersion model, float scale, byte[] quantized) {
        this.model = model;
        this.scale = scale;
        this.quantized = quantized;
    }

    /**
     * Normalises and quantizes {@code vector}.
     *
     * @throws IllegalArgumentException for an empty or over-long vector, NaN or infinite components,
     *     or the zero vector (it has no direction)
     */
    public static EmbeddingValue quantize(ModelVersion model, float[] vector) {
        Objects.requireNonNull(model, "model");
        checkDimensions(vector.length);
        double norm2 = 0;
        for (int i = 0; i < vector.length; i++) {
            float x = vector[i];
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException("vector component " + i + " is not a finite number: " + x);
            }
            norm2 += (double) x * x;
        }
        if (norm2 == 0) {
            throw new IllegalArgumentException("the zero vector has no direction");
        }
        double inv = 1.0 / Math.sqrt(norm2);
        double maxAbs = 0;
        for (float x : vector) {
            maxAbs = Math.max(maxAbs, Math.abs(x * inv));
        }
        float scale = (float) (maxAbs / 127.0);
        byte[] q = new byte[vector.length];
        for (int i = 0; i < vector.length; i++) {
            long r = Math.round(vector[i] * inv / scale);
            q[i] = (byte) Math.max(-127, Math.min(127, r));
        }
        return new EmbeddingValue(model, scale, q);
    }

    /**
     * An embedding from its stored parts (used by decoders).
     *
     * @throws IllegalArgumentException for a bad dimension or a scale that is not finite and positive
     */
    public static EmbeddingValue of(ModelVersion model, float scale, byte[] quantized) {
        Objects.requireNonNull(model, "model");
        checkDimensions(quantized.length);
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and positive: " + scale);
        }
        return new EmbeddingValue(model, scale, quantized.clone());
    }

    private static void checkDimensions(int n) {
        if (n < 1 || n > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("vector dimension must be 1.." + MAX_DIMENSIONS + ": " + n);
        }
    }

    public ModelVersion model() {
        return model;
    }

    public float scale() {
        return scale;
    }

    public int dimensions() {
        return quantized.length;
    }

    /** The quantized components (a copy). */
    public byte[] quantized() {
        return quantized.clone();
    }

    /** Component {@code i}, quantized. */
    public byte quantizedAt(int i) {
        return quantized[i];
    }

    /** The vector as stored: {@code q[i] * scale}. */
    public float[] dequantize() {
        float[] v = new float[quantized.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = quantized[i] * scale;
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EmbeddingValue)) {
            return false;
        }
        EmbeddingValue e = (EmbeddingValue) o;
        return Float.floatToIntBits(scale) == Float.floatToIntBits(e.scale) && model.equals(e.model)
            && Arrays.equals(quantized, e.quantized);
    }

    @Override
    public int hashCode() {
        return (model.hashCode() * 31 + Float.floatToIntBits(scale)) * 31 + Arrays.hashCode(quantized);
    }

    @Override
    public String toString() {
        return "Embedding[" + model + ", dims=" + quantized.length + ", scale=" + scale + "]";
    }
}
