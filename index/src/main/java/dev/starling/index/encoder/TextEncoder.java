package dev.starling.index.encoder;

import java.util.List;

/**
 * Turns text into unit-length embedding vectors. Implementations are thread-safe: any thread may
 * call {@link #embed} and {@link #embedAll} concurrently.
 */
public interface TextEncoder extends AutoCloseable {

    /** The exact model: equal ids give equal vectors for equal texts. */
    ModelId modelId();

    /** Length of every vector returned. */
    int dimensions();

    /**
     * The embedding of one text, L2-normalised.
     *
     * @throws IllegalArgumentException for an empty or blank text, or one over the byte limit
     */
    float[] embed(String text);

    /**
     * The embeddings of several texts, in the order given. All texts are checked before any is
     * encoded: one bad text fails the whole call.
     *
     * @throws IllegalArgumentException as for {@link #embed}, naming the index of the bad text
     */
    float[][] embedAll(List<String> texts);

    @Override
    void close();
}
