package dev.starling.index.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A sentence encoder: a BERT-style transformer in ONNX Runtime behind a HuggingFace tokenizer (DJL's
 * Rust bindings), read the way sentence-transformers reads all-MiniLM-L6-v2 [1]:
 *
 * <ol>
 *   <li>tokenize with the model's {@code tokenizer.json} ([CLS] text [SEP]), cut on the right to
 *       {@link EncoderConfig#maxTokens()} tokens (256);</li>
 *   <li>run texts through the model in batches, padded to the longest text of the batch with an
 *       attention mask (texts are first grouped by token count, so little is padded);</li>
 *   <li>mean pooling: average the last hidden state over the tokens whose mask is 1;</li>
 *   <li>L2-normalise, so cosine similarity is a dot product.</li>
 * </ol>
 *
 * <p>The model must take int64 {@code input_ids} and {@code attention_mask} (and optionally
 * {@code token_type_ids}, fed zeros) and produce one float output of shape [batch, tokens, dims].
 * Thread-safe: ONNX Runtime sessions and DJL tokenizers may be used from several threads.
 *
 * <p>[1] N. Reimers, I. Gurevych, <i>Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks</i>,
 * EMNLP 2019 (mean pooling, §3).
 */
public final class OnnxTextEncoder implements TextEncoder {

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final ModelId modelId;
    private final EncoderConfig config;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final String outputName;
    private final boolean wantsTokenTypes;
    private final int dimensions;

    private OnnxTextEncoder(ModelFiles files, EncoderConfig config) throws OrtException, IOException {
        this.modelId = files.id();
        this.config = config;
        DjlOffline.ensure();
        this.env = OrtEnvironment.getEnvironment();
        OrtSession s = null;
        HuggingFaceTokenizer t = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(config.intraOpThreads());
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            s = env.createSession(files.onnx(), options);
            Set<String> inputs = s.getInputNames();
            if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)) {
                throw new IllegalArgumentException("model " + modelId + " must take '" + INPUT_IDS + "' and '"
                    + ATTENTION_MASK + "'; it takes " + inputs);
            }
            for (String in : inputs) {
                if (!in.equals(INPUT_IDS) && !in.equals(ATTENTION_MASK) && !in.equals(TOKEN_TYPE_IDS)) {
                    throw new IllegalArgumentException("model " + modelId + " takes an input this encoder cannot feed: " + in);
                }
            }
            this.wantsTokenTypes = inputs.contains(TOKEN_TYPE_IDS);
            this.outputName = tokenOutput(s, modelId);

            Map<String, String> tokenizerOptions = new HashMap<>();
            tokenizerOptions.put("addSpecialTokens", "true");
            tokenizerOptions.put("truncation", "true");
            tokenizerOptions.put("padding", "false");
            tokenizerOptions.put("maxLength", Integer.toString(config.maxTokens()));
            tokenizerOptions.put("modelMaxLength", Integer.toString(config.maxTokens()));
            t = HuggingFaceTokenizer.newInstance(
                new ByteArrayInputStream(files.tokenizerJson().getBytes(StandardCharsets.UTF_8)), tokenizerOptions);
            this.session = s;
            this.tokenizer = t;
            this.dimensions = run(new long[][] {t.encode("dimension probe").getIds()}, 0, 1)[0].length;
        } catch (OrtException | IOException | RuntimeException e) {
            if (t != null) {
                t.close();
            }
            if (s != null) {
                s.close();
            }
            throw e;
        }
    }

    /** The built-in model (all-MiniLM-L6-v2 quantized, 384 dimensions) with the given settings. */
    public static OnnxTextEncoder builtin(EncoderConfig config) {
        return open(ModelFiles.builtin(), config);
    }

    /**
     * An encoder for the given model files.
     *
     * @throws IllegalArgumentException if the model does not have the inputs and output described above
     * @throws IllegalStateException if ONNX Runtime cannot load it
     */
    public static OnnxTextEncoder open(ModelFiles files, EncoderConfig config) {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(config, "config");
        try {
            return new OnnxTextEncoder(files, config);
        } catch (OrtException | IOException e) {
            throw new IllegalStateException("cannot load encoder model " + files.id() + ": " + e.getMessage(), e);
        }
    }

    private static String tokenOutput(OrtSession s, ModelId id) throws OrtException {
        for (Map.Entry<String, NodeInfo> e : s.getOutputInfo().entrySet()) {
            if (e.getValue().getInfo() instanceof TensorInfo) {
                TensorInfo info = (TensorInfo) e.getValue().getInfo();
                if (info.getShape().length == 3 && info.type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                    return e.getKey();
                }
            }
        }
        throw new IllegalArgumentException("model " + id + " has no float output of shape [batch, tokens, dims]");
    }

    @Override
    public ModelId modelId() {
        return modelId;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    public EncoderConfig config() {
        return config;
    }

    /**
     * Number of tokens the model reads of {@code text}, special tokens included (at most
     * {@link EncoderConfig#maxTokens()}).
     */
    public int tokenCount(String text) {
        checkText(text, -1);
        return tokenizer.encode(text).getIds().length;
    }

    @Override
    public float[] embed(String text) {
        checkText(text, -1);
        return embedAll(Collections.singletonList(text))[0];
    }

    @Override
    public float[][] embedAll(List<String> texts) {
        int n = texts.size();
        for (int i = 0; i < n; i++) {
            checkText(texts.get(i), n == 1 ? -1 : i);
        }
        long[][] ids = new long[n][];
        for (int i = 0; i < n; i++) {
            Encoding e = tokenizer.encode(texts.get(i));
            ids[i] = e.getIds();
        }
        // Group texts of similar length: order by token count, cut into batches, put results back.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(ids[a].length, ids[b].length));
        long[][] sorted = new long[n][];
        for (int i = 0; i < n; i++) {
            sorted[i] = ids[order[i]];
        }
        float[][] out = new float[n][];
        int batch = config.maxBatchSize();
        try {
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                float[][] vectors = run(sorted, from, to);
                for (int i = from; i < to; i++) {
                    out[order[i]] = vectors[i - from];
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("encoder model " + modelId + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    private void checkText(String text, int index) {
        String where = index < 0 ? "text" : "text " + index;
        if (text == null) {
            throw new IllegalArgumentException(where + " is null");
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(where + " is empty: there is nothing to embed");
        }
        // Cheap bound first: a char is 1..3 UTF-8 bytes (a surrogate pair is 4 for 2 chars).
        if ((long) text.length() * 3 > config.maxTextBytes()) {
            int bytes = utf8Length(text);
            if (bytes > config.maxTextBytes()) {
                throw new IllegalArgumentException(where + " is " + bytes + " bytes of UTF-8, over the limit of "
                    + config.maxTextBytes());
            }
        }
    }

    static int utf8Length(CharSequence s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Runs texts {@code ids[from..to)} as one batch; returns their pooled, normalised vectors. */
    private float[][] run(long[][] ids, int from, int to) throws OrtException {
        int rows = to - from;
        int width = 0;
        for (int i = from; i < to; i++) {
            width = Math.max(width, ids[i].length);
        }
        long[] tokenIds = new long[rows * width];
        long[] mask = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            long[] row = ids[from + r];
            System.arraycopy(row, 0, tokenIds, r * width, row.length);
            Arrays.fill(mask, r * width, r * width + row.length, 1L);
        }
        long[] shape = {rows, width};
        Map<String, OnnxTensor> inputs = new HashMap<>(4);
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(tokenIds), shape));
            inputs.put(ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            if (wantsTokenTypes) {
                inputs.put(TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[rows * width]), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(outputName))) {
                OnnxTensor hidden = (OnnxTensor) result.get(0);
                long[] outShape = hidden.getInfo().getShape();
                if (outShape.length != 3 || outShape[0] != rows || outShape[1] != width) {
                    throw new IllegalStateException("model " + modelId + " returned shape " + Arrays.toString(outShape)
                        + " for input " + Arrays.toString(shape));
                }
                int dims = (int) outShape[2];
                return meanPoolAndNormalise(hidden.getFloatBuffer(), mask, rows, width, dims);
            }
        } finally {
            for (OnnxTensor t : inputs.values()) {
                t.close();
            }
        }
    }

    /** Mean of the masked token vectors of each row, then L2 normalisation. */
    static float[][] meanPoolAndNormalise(FloatBuffer hidden, long[] mask, int rows, int width, int dims) {
        float[][] out = new float[rows][];
        double[] sum = new double[dims];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(sum, 0);
            int count = 0;
            for (int t = 0; t < width; t++) {
                if (mask[r * width + t] == 0) {
                    continue;
                }
                count++;
                int base = (r * width + t) * dims;
                for (int d = 0; d < dims; d++) {
                    sum[d] += hidden.get(base + d);
                }
            }
            double norm2 = 0;
            for (int d = 0; d < dims; d++) {
                sum[d] /= Math.max(1, count);
                norm2 += sum[d] * sum[d];
            }
            double inv = norm2 > 0 ? 1.0 / Math.sqrt(norm2) : 0;
            float[] v = new float[dims];
            for (int d = 0; d < dims; d++) {
                v[d] = (float) (sum[d] * inv);
            }
            out[r] = v;
        }
        return out;
    }

    /** Releases the session and the tokenizer. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        tokenizer.close();
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX session failed", e);
        }
    }
}
