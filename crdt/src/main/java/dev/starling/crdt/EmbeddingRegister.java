package dev.starling.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The embedding of one document: a multi-value register of {@link EmbeddingValue}s read by
 * averaging. A write replaces the embeddings its writer had seen; embeddings written concurrently
 * are all kept, and the resolved vector is the L2-normalised mean of them, but only of those from
 * the dominant model: siblings of a newer {@link ModelVersion} win, and vectors of different models
 * are never mixed (their spaces are unrelated).
 *
 * <p>Example: A and B both re-embed a document at once from different texts, e = (1, 0) and
 * f = (0, 1) (one model). Both survive as siblings and every replica resolves
 * normalise((e + f) / 2) = (0.707, 0.707). If B had used a model of a later generation, every
 * replica resolves f alone until a write that has seen both replaces them.
 *
 * <p>If siblings of the dominant model disagree on dimension (only possible with a faulty peer, the
 * collection checks dimensions on write), those with the dimension of the lowest dot are averaged.
 */
public final class EmbeddingRegister implements Crdt<EmbeddingRegister> {

    private static final EmbeddingRegister EMPTY = new EmbeddingRegister(DotFun.empty(), CausalContext.empty());

    private final DotFun<EmbeddingValue> store;
    private final CausalContext context;

    private EmbeddingRegister(DotFun<EmbeddingValue> store, CausalContext context) {
        this.store = store;
        this.context = context;
    }

    public static EmbeddingRegister empty() {
        return EMPTY;
    }

    public static EmbeddingRegister of(DotFun<EmbeddingValue> store, CausalContext context) {
        return new EmbeddingRegister(Objects.requireNonNull(store, "store"), Objects.requireNonNull(context, "context"));
    }

    public DotFun<EmbeddingValue> store() {
        return store;
    }

    public CausalContext context() {
        return context;
    }

    public boolean isEmpty() {
        return store.isEmpty();
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    /** The surviving embeddings, in dot order. */
    public List<EmbeddingValue> siblings() {
        return store.values();
    }

    /** The delta of writing {@code value} at {@code replica}. */
    public EmbeddingRegister writeDelta(ReplicaId replica, EmbeddingValue value) {
        Causal<DotFun<EmbeddingValue>> d = writeDelta(store, context, replica, value);
        return new EmbeddingRegister(d.store(), d.context());
    }

    /** The state after writing {@code value} at {@code replica}. */
    public EmbeddingRegister write(ReplicaId replica, EmbeddingValue value) {
        Dot dot = context.nextDot(replica);
        return new EmbeddingRegister(DotFun.of(dot, value), context.add(dot));
    }

    /** The delta of clearing the register. */
    public EmbeddingRegister clearDelta() {
        return new EmbeddingRegister(DotFun.empty(), store.toContext());
    }

    /** The state after clearing the register. */
    public EmbeddingRegister clear() {
        return new EmbeddingRegister(DotFun.empty(), context);
    }

    /** The write delta against any embedding store (for example one nested in an {@link OrMap}). */
    public static Causal<DotFun<EmbeddingValue>> writeDelta(
            DotFun<EmbeddingValue> store, CausalContext context, ReplicaId replica, EmbeddingValue value) {
        Objects.requireNonNull(value, "value");
        Dot dot = context.nextDot(replica);
        return new Causal<>(DotFun.of(dot, value), store.toContext().add(dot));
    }

    /** The model of the resolved vector, or null when empty. */
    public ModelVersion model() {
        return dominantModel(store);
    }

    /** The resolved vector (a fresh array), or null when empty. */
    public float[] resolve() {
        return resolve(store);
    }

    /** The siblings that {@link #resolve()} averages: dominant model, agreed dimension, dot order. */
    public static List<EmbeddingValue> contributing(DotFun<EmbeddingValue> store) {
        ModelVersion model = dominantModel(store);
        if (model == null) {
            return List.of();
        }
        List<EmbeddingValue> out = new ArrayList<>();
        int dims = -1;
        for (int i = 0; i < store.size(); i++) {
            EmbeddingValue v = store.valueAt(i);
            if (!v.model().equals(model)) {
                continue;
            }
            if (dims < 0) {
                dims = v.dimensions();
            }
            if (v.dimensions() == dims) {
                out.add(v);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The L2-normalised mean of the contributing siblings of {@code store}, or null when empty. */
    public static float[] resolve(DotFun<EmbeddingValue> store) {
        List<EmbeddingValue> values = contributing(store);
        if (values.isEmpty()) {
            return null;
        }
        int dims = values.get(0).dimensions();
        double[] sum = new double[dims];
        for (EmbeddingValue v : values) {
            float scale = v.scale();
            for (int i = 0; i < dims; i++) {
                sum[i] += v.quantizedAt(i) * (double) scale;
            }
        }
        double norm2 = 0;
        for (double x : sum) {
            norm2 += x * x;
        }
        float[] out = new float[dims];
        if (norm2 == 0) {
            return out;
        }
        double inv = 1.0 / Math.sqrt(norm2);
        for (int i = 0; i < dims; i++) {
            out[i] = (float) (sum[i] * inv);
        }
        return out;
    }

    private static ModelVersion dominantModel(DotFun<EmbeddingValue> store) {
        ModelVersion best = null;
        for (int i = 0; i < store.size(); i++) {
            ModelVersion m = store.valueAt(i).model();
            if (best == null || m.compareTo(best) > 0) {
                best = m;
            }
        }
        return best;
    }

    @Override
    public EmbeddingRegister merge(EmbeddingRegister other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        return new EmbeddingRegister(store.join(context, other.store, other.context), context.merge(other.context));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EmbeddingRegister)) {
            return false;
        }
        EmbeddingRegister r = (EmbeddingRegister) o;
        return context.equals(r.context) && store.equals(r.store);
    }

    @Override
    public int hashCode() {
        return store.hashCode() * 31 + context.hashCode();
    }

    @Override
    public String toString() {
        return "EmbeddingRegister" + store + " ctx=" + context;
    }
}
