package dev.starling.bench.index;

import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.ModelVersion;
import dev.starling.index.encoder.EncoderConfig;
import dev.starling.index.encoder.OnnxTextEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Error of the CRDT's int8 embedding quantization ({@link EmbeddingValue#quantize}) on real encoder
 * outputs: for each vector v, q = dequantize(quantize(v)); reports the cosine error 1 - cos(v, q)
 * (mean, p99, max), the largest component error against the bound scale/2, and how often the top-10
 * neighbours of a query change when both query and corpus are quantized.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.starling.bench.index.QuantizationErrorReport [sentences=5000]
 * </pre>
 */
public final class QuantizationErrorReport {

    private QuantizationErrorReport() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        List<String> texts = new ArrayList<>(Sentences.generate(n, 11));
        float[][] v;
        try (OnnxTextEncoder enc = OnnxTextEncoder.builtin(EncoderConfig.defaults())) {
            v = enc.embedAll(texts);
            System.out.printf(Locale.ROOT, "model %s, %d sentence vectors of %d dims%n", enc.modelId(), n, enc.dimensions());
        }
        ModelVersion model = new ModelVersion(1, 1);
        float[][] q = new float[n][];
        double[] cosErr = new double[n];
        double maxComponentErr = 0;
        double maxRatio = 0;
        double scaleSum = 0;
        for (int i = 0; i < n; i++) {
            EmbeddingValue e = EmbeddingValue.quantize(model, v[i]);
            float[] d = e.dequantize();
            scaleSum += e.scale();
            for (int k = 0; k < d.length; k++) {
                double err = Math.abs(d[k] - v[i][k]);
                maxComponentErr = Math.max(maxComponentErr, err);
                maxRatio = Math.max(maxRatio, err / (e.scale() / 2));
            }
            q[i] = unit(d);
            cosErr[i] = 1 - dot(v[i], q[i]);
        }
        double[] sorted = cosErr.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "cosine error 1-cos(v, dequantized): mean %.3e, p50 %.3e, p99 %.3e, max %.3e%n",
            Arrays.stream(cosErr).average().orElse(0), sorted[n / 2], sorted[(int) (n * 0.99)], sorted[n - 1]);
        System.out.printf(Locale.ROOT, "component error: max %.5f (bound scale/2; max error/bound %.3f); mean scale %.5f%n",
            maxComponentErr, maxRatio, scaleSum / n);

        // Ranking: does quantization change the exact top 10 of a query among the other vectors?
        int queries = Math.min(500, n);
        int same = 0;
        double scoreErr = 0;
        long pairs = 0;
        for (int a = 0; a < queries; a++) {
            int[] exact = top10(v, v[a], a);
            int[] quant = top10(q, q[a], a);
            for (int x : exact) {
                for (int y : quant) {
                    if (x == y) {
                        same++;
                        break;
                    }
                }
            }
            for (int b = 0; b < n; b += 10) {
                scoreErr = Math.max(scoreErr, Math.abs(dot(v[a], v[b]) - dot(q[a], q[b])));
                pairs++;
            }
        }
        System.out.printf(Locale.ROOT, "top-10 overlap, exact vs quantized (query and corpus): %.4f over %d queries%n",
            same / (queries * 10.0), queries);
        System.out.printf(Locale.ROOT, "largest change of a pairwise cosine score: %.5f over %d pairs%n", scoreErr, pairs);
    }

    private static int[] top10(float[][] all, float[] query, int skip) {
        int[] best = new int[10];
        double[] score = new double[10];
        Arrays.fill(score, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < all.length; i++) {
            if (i == skip) {
                continue;
            }
            double s = dot(query, all[i]);
            if (s > score[9]) {
                int j = 9;
                while (j > 0 && score[j - 1] < s) {
                    score[j] = score[j - 1];
                    best[j] = best[j - 1];
                    j--;
                }
                score[j] = s;
                best[j] = i;
            }
        }
        return best;
    }

    private static float[] unit(float[] d) {
        double n2 = 0;
        for (float x : d) {
            n2 += (double) x * x;
        }
        float[] u = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            u[i] = (float) (d[i] / Math.sqrt(n2));
        }
        return u;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
