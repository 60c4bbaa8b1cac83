package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The laws for {@link EmbeddingRegister}; model: the siblings are the quantized writes that no later
 * write or clear had in its causal past; the dominant model is the highest {@link ModelVersion}
 * among them; the resolved vector is the L2-normalised mean of the original (float) vectors of the
 * siblings of that model, within the int8 error bound of {@link #assertCloseToNormalisedMean}.
 */
class EmbeddingRegisterLawsTest extends AbstractCrdtLaws<EmbeddingRegister, EmbeddingRegisterLawsTest.Op> {

    static final int DIMENSIONS = 4;

    /**
     * Models in use: two generations, and two models sharing generation 1 (ordered by fingerprint,
     * unsigned: the one with the high bit set dominates).
     */
    static final List<ModelVersion> MODELS = List.of(
        new ModelVersion(0, 0x1111L), new ModelVersion(1, 0x2222L), new ModelVersion(1, 0x8000_0000_0000_0001L),
        new ModelVersion(2, 0x3333L));

    sealed interface Op permits Write, Clear {
    }

    /** Writes the embedding {@code vector} (not normalised) produced by {@code model}. */
    record Write(ModelVersion model, List<Float> vector) implements Op {
        float[] floats() {
            return EmbeddingRegisterLawsTest.floats(vector);
        }

        EmbeddingValue quantized() {
            return EmbeddingValue.quantize(model, floats());
        }
    }

    record Clear() implements Op {
    }

    @Override
    Arbitrary<Op> operations() {
        Arbitrary<List<Float>> vector = Arbitraries.floats().between(-1f, 1f).list().ofSize(DIMENSIONS)
            .filter(v -> v.stream().anyMatch(x -> Math.abs(x) > 1e-3f));
        Arbitrary<ModelVersion> model = Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.just(MODELS.get(0))), Tuple.of(4, Arbitraries.just(MODELS.get(1))),
            Tuple.of(1, Arbitraries.just(MODELS.get(2))), Tuple.of(1, Arbitraries.just(MODELS.get(3))));
        return Arbitraries.frequencyOf(
            Tuple.of(8, Combinators.combine(model, vector).as(Write::new)),
            Tuple.of(1, Arbitraries.just(new Clear())));
    }

    @Override
    public EmbeddingRegister bottom() {
        return EmbeddingRegister.empty();
    }

    @Override
    public EmbeddingRegister delta(EmbeddingRegister state, Op op, Origin origin) {
        return op instanceof Write w ? state.writeDelta(origin.replica(), w.quantized()) : state.clearDelta();
    }

    /** There is no plain clear mutator: the cleared state is the empty store with the same context. */
    @Override
    public EmbeddingRegister apply(EmbeddingRegister state, Op op, Origin origin) {
        return op instanceof Write w
            ? state.write(origin.replica(), w.quantized())
            : EmbeddingRegister.of(DotFun.empty(), state.context());
    }

    @Override
    void assertInvariants(EmbeddingRegister state) {
        assertStoreCoveredByContext(state.store(), state.context());
    }

    @Override
    void assertMatchesModel(EmbeddingRegister converged, List<Event<Op>> events) {
        List<Write> survivors = new ArrayList<>();
        for (Event<Op> e : notSeenBy(events, e -> e.op() instanceof Write, (w, k) -> true)) {
            survivors.add((Write) e.op());
        }
        Map<EmbeddingValue, Integer> expected = new HashMap<>();
        survivors.forEach(w -> expected.merge(w.quantized(), 1, Integer::sum));
        Map<EmbeddingValue, Integer> actual = new HashMap<>();
        converged.siblings().forEach(v -> actual.merge(v, 1, Integer::sum));
        assertThat(actual).as("exactly the writes nothing overwrote").isEqualTo(expected);
        assertThat(converged.context().cloudSize()).isZero();
        assertThat(converged.context().versionVector()).isEqualTo(countByReplica(events, e -> e.op() instanceof Write));

        if (survivors.isEmpty()) {
            assertThat(converged.resolve()).isNull();
            assertThat(converged.model()).isNull();
            return;
        }
        ModelVersion dominant = survivors.stream().map(Write::model).max(Comparator.naturalOrder()).orElseThrow();
        assertThat(converged.model()).isEqualTo(dominant);
        List<Write> contributing = survivors.stream().filter(w -> w.model().equals(dominant)).toList();
        assertThat(EmbeddingRegister.contributing(converged.store())).hasSameSizeAs(contributing)
            .allSatisfy(v -> assertThat(v.model()).isEqualTo(dominant));
        assertCloseToNormalisedMean(converged.resolve(), contributing.stream().map(Write::floats).toList());
    }

    /**
     * Asserts that {@code resolved} is the L2-normalised mean of the L2-normalised {@code originals}
     * within the int8 quantization error. Bound: a component is stored as {@code q * scale} with
     * {@code |q * scale - u| <= scale / 2} ({@code u} the normalised original, {@code scale =
     * max|u| / 127}). The mean of the stored vectors is then off by at most {@code eps = max(scale) / 2}
     * per component, so by at most {@code eps * sqrt(d)} in L2 norm; normalising maps an error
     * {@code e} around a vector of norm {@code |m|} to at most {@code 2e / |m|}. So each component
     * of the resolved vector is within {@code 2 * eps * sqrt(d) / |m|} (+1e-5 for float rounding)
     * of the exact answer, where {@code m} is the exact mean of the normalised originals.
     */
    static void assertCloseToNormalisedMean(float[] resolved, List<float[]> originals) {
        int d = originals.get(0).length;
        double[] mean = new double[d];
        double eps = 0;
        for (float[] v : originals) {
            double[] u = normalised(v);
            double maxAbs = 0;
            for (int i = 0; i < d; i++) {
                mean[i] += u[i] / originals.size();
                maxAbs = Math.max(maxAbs, Math.abs(u[i]));
            }
            eps = Math.max(eps, maxAbs / 127 / 2);
        }
        double norm = Math.sqrt(dot(mean, mean));
        double bound = norm == 0 ? Double.POSITIVE_INFINITY : 2 * eps * Math.sqrt(d) / norm + 1e-5;
        double[] expected = norm == 0 ? mean : normalised(mean);
        assertThat(resolved).hasSize(d);
        for (int i = 0; i < d; i++) {
            assertThat((double) resolved[i]).as("component %d (bound %s)", i, bound)
                .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(bound));
        }
    }

    static float[] floats(List<Float> vector) {
        float[] f = new float[vector.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = vector.get(i);
        }
        return f;
    }

    static double[] normalised(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return normalised(d);
    }

    static double[] normalised(double[] v) {
        double n = Math.sqrt(dot(v, v));
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / n;
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
