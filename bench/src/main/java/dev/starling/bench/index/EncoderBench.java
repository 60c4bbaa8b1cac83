package dev.starling.bench.index;

import dev.starling.index.encoder.EncoderConfig;
import dev.starling.index.encoder.OnnxTextEncoder;
import java.util.List;
import java.util.Locale;

/**
 * Encoder throughput of the issue: sentences per second at batch 1 and batch 32, with the built-in
 * model (all-MiniLM-L6-v2 quantized), for 1 and 2 intra-op threads. Not JMH: each figure is a timed
 * loop over a fixed corpus after a warm-up pass.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.starling.bench.index.EncoderBench [sentences=2000] [rounds=3] [long]
 * </pre>
 *
 * With {@code long}, every text is instead 20 generated sentences joined (over 256 tokens, so every
 * text is cut at 256): the cost of a document-sized text.
 *
 * Corpus: {@link Sentences} (generated event sentences, 8-30 tokens, mean printed). Batch 1 calls
 * {@code embed} per sentence; batch 32 calls {@code embedAll} on the whole corpus with
 * {@code maxBatchSize} 32 (texts grouped by length).
 */
public final class EncoderBench {

    private EncoderBench() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> corpus = Sentences.generate(n, 7);
        boolean longTexts = args.length > 2 && args[2].equals("long");
        String unit = longTexts ? "texts" : "sentences";
        if (longTexts) {
            List<String> many = Sentences.generate(n * 20, 8);
            corpus = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                corpus.add(String.join(" ", many.subList(i * 20, i * 20 + 20)));
            }
        }
        for (int threads : new int[] {1, 2}) {
            for (int batch : new int[] {1, 32}) {
                EncoderConfig config = EncoderConfig.defaults().withIntraOpThreads(threads).withMaxBatchSize(batch);
                try (OnnxTextEncoder enc = OnnxTextEncoder.builtin(config)) {
                    if (threads == 1 && batch == 1) {
                        long tokens = 0;
                        for (String s : corpus) {
                            tokens += enc.tokenCount(s);
                        }
                        System.out.printf(Locale.ROOT, "model %s, %d %s, mean %.1f tokens%n", enc.modelId(), n,
                            unit, tokens / (double) n);
                    }
                    run(enc, corpus.subList(0, Math.min(200, n)), batch); // warm-up
                    double best = 0;
                    StringBuilder all = new StringBuilder();
                    for (int r = 0; r < rounds; r++) {
                        long t0 = System.nanoTime();
                        run(enc, corpus, batch);
                        double rate = n / ((System.nanoTime() - t0) / 1e9);
                        best = Math.max(best, rate);
                        all.append(String.format(Locale.ROOT, " %.0f", rate));
                    }
                    System.out.printf(Locale.ROOT, "threads %d batch %2d: best %.0f %s/s (rounds:%s)%n",
                        threads, batch, best, unit, all);
                }
            }
        }
    }

    private static void run(OnnxTextEncoder enc, List<String> texts, int batch) {
        if (batch == 1) {
            for (String s : texts) {
                enc.embed(s);
            }
        } else {
            enc.embedAll(texts);
        }
    }
}
