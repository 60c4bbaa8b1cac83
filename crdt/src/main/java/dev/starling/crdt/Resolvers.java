package dev.starling.crdt;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The read resolvers of the register API: {@code lww}, {@code average}, {@code union} and
 * {@code siblings}. Values are reached through extractor functions, so the node can apply them to
 * its JSON values while this module stays free of any JSON library.
 */
public final class Resolvers {

    private Resolvers() {
    }

    /** The value of the sibling with the highest HLC, or null when empty. */
    public static <V> Resolver<V, V> lww() {
        return siblings -> {
            MvRegister.Sibling<V> best = null;
            for (MvRegister.Sibling<V> s : siblings) {
                if (best == null || s.hlc().compareTo(best.hlc()) > 0) {
                    best = s;
                }
            }
            return best == null ? null : best.value();
        };
    }

    /** Every sibling value, in dot order. */
    public static <V> Resolver<V, List<V>> siblings() {
        return siblings -> {
            List<V> out = new ArrayList<>(siblings.size());
            for (MvRegister.Sibling<V> s : siblings) {
                out.add(s.value());
            }
            return out;
        };
    }

    /** The arithmetic mean of the siblings' numbers, or null when empty. */
    public static <V> Resolver<V, Double> averageOfNumbers(ToDoubleFunction<? super V> number) {
        return siblings -> {
            if (siblings.isEmpty()) {
                return null;
            }
            double sum = 0;
            for (MvRegister.Sibling<V> s : siblings) {
                sum += number.applyAsDouble(s.value());
            }
            return sum / siblings.size();
        };
    }

    /**
     * The element-wise mean of the siblings' vectors, or null when empty.
     *
     * @throws IllegalStateException when the siblings' vectors differ in length
     */
    public static <V> Resolver<V, double[]> averageOfVectors(Function<? super V, double[]> vector) {
        return siblings -> {
            if (siblings.isEmpty()) {
                return null;
            }
            double[] sum = null;
            for (MvRegister.Sibling<V> s : siblings) {
                double[] v = vector.apply(s.value());
                if (sum == null) {
                    sum = new double[v.length];
                } else if (v.length != sum.length) {
                    throw new IllegalStateException("siblings have vectors of different lengths: "
                        + sum.length + " and " + v.length);
                }
                for (int i = 0; i < v.length; i++) {
                    sum[i] += v[i];
                }
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] /= siblings.size();
            }
            return sum;
        };
    }

    /** The union of the siblings' lists: each element once, in order of first appearance by dot. */
    public static <V, E> Resolver<V, List<E>> union(Function<? super V, ? extends List<? extends E>> list) {
        return siblings -> {
            Set<E> seen = new LinkedHashSet<>();
            for (MvRegister.Sibling<V> s : siblings) {
                seen.addAll(list.apply(s.value()));
            }
            return new ArrayList<>(seen);
        };
    }
}
