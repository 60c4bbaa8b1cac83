package dev.starling.index.encoder;

/**
 * How an {@link OnnxTextEncoder} runs. Immutable; checked by the constructor.
 *
 * @param intraOpThreads threads ONNX Runtime may use inside one inference (matrix products). 1 (the
 *     default) leaves the other cores to the node's agent and network; more speeds up large batches
 *     on an otherwise idle machine (see docs/benchmarks.md for the measured gain).
 * @param maxBatchSize texts run through the model together; {@code embedAll} splits longer lists.
 *     Larger batches amortise the per-call cost but pad every text to the longest in its batch
 *     (texts are grouped by length to limit that). Default 32.
 * @param maxTokens tokens the model reads per text, special tokens included; longer texts are cut
 *     (right truncation). 256 is what all-MiniLM-L6-v2 was trained with. At most 512.
 * @param maxTextBytes largest accepted text in UTF-8 bytes (the HTTP API's 32 KiB).
 */
public record EncoderConfig(int intraOpThreads, int maxBatchSize, int maxTokens, int maxTextBytes) {

    public static final int DEFAULT_MAX_TOKENS = 256;
    public static final int DEFAULT_MAX_TEXT_BYTES = 32 * 1024;

    public EncoderConfig {
        if (intraOpThreads < 1 || intraOpThreads > 256) {
            throw new IllegalArgumentException("intraOpThreads must be 1..256: " + intraOpThreads);
        }
        if (maxBatchSize < 1 || maxBatchSize > 1024) {
            throw new IllegalArgumentException("maxBatchSize must be 1..1024: " + maxBatchSize);
        }
        if (maxTokens < 3 || maxTokens > 512) {
            throw new IllegalArgumentException("maxTokens must be 3..512: " + maxTokens);
        }
        if (maxTextBytes < 1) {
            throw new IllegalArgumentException("maxTextBytes must be positive: " + maxTextBytes);
        }
    }

    /** One intra-op thread, batches of 32, 256 tokens, 32 KiB of text. */
    public static EncoderConfig defaults() {
        return new EncoderConfig(1, 32, DEFAULT_MAX_TOKENS, DEFAULT_MAX_TEXT_BYTES);
    }

    public EncoderConfig withIntraOpThreads(int threads) {
        return new EncoderConfig(threads, maxBatchSize, maxTokens, maxTextBytes);
    }

    public EncoderConfig withMaxBatchSize(int batch) {
        return new EncoderConfig(intraOpThreads, batch, maxTokens, maxTextBytes);
    }
}
