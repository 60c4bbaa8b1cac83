package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingRegisterTest {

    private static final ReplicaId A = new ReplicaId(0xA);
    private static final ReplicaId B = new ReplicaId(0xB);
    private static final ReplicaId C = new ReplicaId(0xC);
    private static final ModelVersion MINILM_V1 = new ModelVersion(1, 0x1234L);
    private static final ModelVersion MINILM_V2 = new ModelVersion(2, 0x5678L);
    private static final ModelVersion OTHER_V1 = new ModelVersion(1, 0x9999L);

    /** The example of the class comment: e = (1, 0) and f = (0, 1) resolve to (0.707, 0.707). */
    @Test
    void shouldResolveTheClassCommentExample() {
        EmbeddingRegister r = concurrent(
            EmbeddingValue.quantize(MINILM_V1, new float[] {1, 0}), EmbeddingValue.quantize(MINILM_V1, new float[] {0, 1}));
        assertThat(r.resolve()).containsExactly(new float[] {0.70710677f, 0.70710677f}, within(1e-6f));
    }

    /**
     * 384-dimensional vectors written concurrently at three replicas resolve to the normalised mean
     * of the original float vectors, within the bound derived from the int8 error of scale/2 per
     * component (see {@link EmbeddingRegisterLawsTest#assertCloseToNormalisedMean}).
     */
    @Test
    void shouldAverageConcurrentEmbeddingsWithinInt8Error() {
        Random random = new Random(42);
        List<float[]> originals = new ArrayList<>();
        List<EmbeddingValue> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            float[] v = new float[384];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) (random.nextGaussian() + (j % 7 == 0 ? 1 : 0));
            }
            originals.add(v);
            values.add(EmbeddingValue.quantize(MINILM_V1, v));
        }
        EmbeddingRegister r = concurrent(values.toArray(new EmbeddingValue[0]));
        assertThat(r.siblings()).hasSize(3);
        float[] resolved = r.resolve();
        EmbeddingRegisterLawsTest.assertCloseToNormalisedMean(resolved, originals);
        double norm = 0;
        for (float x : resolved) {
            norm += x * x;
        }
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));

        for (int i = 0; i < originals.size(); i++) {
            double[] u = EmbeddingRegisterLawsTest.normalised(originals.get(i));
            float[] stored = values.get(i).dequantize();
            for (int j = 0; j < u.length; j++) {
                assertThat((double) stored[j]).isCloseTo(u[j], within(values.get(i).scale() / 2.0 + 1e-7));
            }
        }
    }

    @Test
    void shouldLetNewerModelGenerationDominate() {
        EmbeddingValue old = EmbeddingValue.quantize(MINILM_V1, new float[] {1, 0, 0});
        EmbeddingValue newer = EmbeddingValue.quantize(MINILM_V2, new float[] {0, 0, 1});
        EmbeddingRegister r = concurrent(old, newer);
        assertThat(r.siblings()).hasSize(2);
        assertThat(r.model()).isEqualTo(MINILM_V2);
        assertThat(r.resolve()).containsExactly(new float[] {0, 0, 1}, within(1e-6f));
        // until a write that saw both replaces them
        EmbeddingRegister replaced = r.write(A, EmbeddingValue.quantize(MINILM_V1, new float[] {0, 1, 0}));
        assertThat(replaced.model()).isEqualTo(MINILM_V1);
        assertThat(replaced.siblings()).hasSize(1);
    }

    @Test
    void shouldNeverAverageDifferentModels() {
        // same generation, different fingerprints: one wins by fingerprint, never a mix
        EmbeddingValue v1 = EmbeddingValue.quantize(MINILM_V1, new float[] {1, 0});
        EmbeddingValue other = EmbeddingValue.quantize(OTHER_V1, new float[] {0, 1});
        EmbeddingValue v1b = EmbeddingValue.quantize(MINILM_V1, new float[] {0.6f, 0.8f});
        EmbeddingRegister r = concurrent(v1, other, v1b);
        assertThat(r.model()).isEqualTo(OTHER_V1);
        assertThat(EmbeddingRegister.contributing(r.store())).containsExactly(other);
        assertThat(r.resolve()).containsExactly(new float[] {0, 1}, within(1e-6f));
        assertThat(concurrent(v1, v1b, other).resolve()).isEqualTo(r.resolve());
    }

    @Test
    void shouldRefuseVectorsWithoutADirection() {
        assertThatThrownBy(() -> EmbeddingValue.quantize(MINILM_V1, new float[] {0, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddingValue.quantize(MINILM_V1, new float[] {Float.NaN})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddingValue.quantize(MINILM_V1, new float[0])).isInstanceOf(IllegalArgumentException.class);
        assertThat(EmbeddingRegister.empty().resolve()).isNull();
    }

    /** Each value written at its own replica, concurrently, then all merged. */
    private static EmbeddingRegister concurrent(EmbeddingValue... values) {
        ReplicaId[] replicas = {A, B, C};
        EmbeddingRegister merged = EmbeddingRegister.empty();
        for (int i = 0; i < values.length; i++) {
            merged = merged.merge(EmbeddingRegister.empty().writeDelta(replicas[i], values[i]));
        }
        return merged;
    }
}
