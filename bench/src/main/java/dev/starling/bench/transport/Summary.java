package dev.starling.bench.transport;

import java.util.Arrays;
import java.util.Locale;

/** Mean, min and max of a few repeated measurements, and percentiles of sorted samples. */
final class Summary {

    final double mean;
    final double min;
    final double max;
    final int n;

    private Summary(double mean, double min, double max, int n) {
        this.mean = mean;
        this.min = min;
        this.max = max;
        this.n = n;
    }

    static Summary of(double[] values) {
        if (values.length == 0) {
            return new Summary(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new Summary(sum / values.length, min, max, values.length);
    }

    /** The {@code q}-quantile (0 < q <= 1) of sorted samples: the smallest value with at least q of them at or below it. */
    static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static long[] sortedCopy(long[] samples) {
        long[] s = samples.clone();
        Arrays.sort(s);
        return s;
    }

    String format(String unitFormat) {
        return String.format(Locale.ROOT, unitFormat + " [" + unitFormat + ".." + unitFormat + "]", mean, min, max);
    }
}
