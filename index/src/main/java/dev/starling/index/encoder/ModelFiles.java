package dev.starling.index.encoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The two files an encoder model is made of, read into memory: the ONNX graph and the HuggingFace
 * {@code tokenizer.json}, with the {@link ModelId} derived from their bytes. Either the built-in model
 * (all-MiniLM-L6-v2 quantized, packed into this jar at build time) or a directory given with
 * {@code --model} holding {@code model.onnx} and {@code tokenizer.json}. Nothing is ever downloaded.
 */
public final class ModelFiles {

    /** Name of the built-in model. */
    public static final String BUILTIN_NAME = "all-minilm-l6-v2-q";

    private static final String BUILTIN_DIR = "/dev/starling/index/model/all-minilm-l6-v2-q/";
    private static final String BUILTIN_ONNX = BUILTIN_DIR + "all-minilm-l6-v2-q.onnx";
    private static final String BUILTIN_TOKENIZER = BUILTIN_DIR + "all-minilm-l6-v2-q-tokenizer.json";

    /** File names expected in a model directory. */
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private final ModelId id;
    private final byte[] onnx;
    private final byte[] tokenizerJson;

    private ModelFiles(String name, byte[] onnx, byte[] tokenizerJson) {
        this.onnx = onnx;
        this.tokenizerJson = tokenizerJson;
        this.id = new ModelId(name, fingerprint(onnx, tokenizerJson));
    }

    /** The built-in model, from this jar's resources. */
    public static ModelFiles builtin() {
        return new ModelFiles(BUILTIN_NAME, resource(BUILTIN_ONNX), resource(BUILTIN_TOKENIZER));
    }

    /**
     * A model directory: {@code model.onnx} and {@code tokenizer.json}; the model is named after the
     * directory (its name must match {@code [A-Za-z0-9._-]{1,128}}).
     *
     * @throws IOException if a file is missing or unreadable
     */
    public static ModelFiles fromDirectory(Path dir) throws IOException {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        if (name == null) {
            throw new IllegalArgumentException("model directory has no name: " + dir);
        }
        return fromDirectory(dir, name.toString());
    }

    /** A model directory with an explicit model name. */
    public static ModelFiles fromDirectory(Path dir, String name) throws IOException {
        Path model = dir.resolve(MODEL_FILE);
        Path tokenizer = dir.resolve(TOKENIZER_FILE);
        for (Path p : new Path[] {model, tokenizer}) {
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString(), null,
                    "a model directory needs " + MODEL_FILE + " and " + TOKENIZER_FILE);
            }
        }
        return new ModelFiles(name, Files.readAllBytes(model), Files.readAllBytes(tokenizer));
    }

    public ModelId id() {
        return id;
    }

    byte[] onnx() {
        return onnx;
    }

    String tokenizerJson() {
        return new String(tokenizerJson, StandardCharsets.UTF_8);
    }

    private static byte[] resource(String path) {
        try (InputStream in = ModelFiles.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("built-in model resource missing from the classpath: " + path
                    + " (it is unpacked into the index jar at build time)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** First 8 bytes (big-endian) of SHA-256(onnx bytes ‖ tokenizer bytes). */
    static long fingerprint(byte[] onnx, byte[] tokenizerJson) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(onnx);
            sha.update(tokenizerJson);
            byte[] h = sha.digest();
            long f = 0;
            for (int i = 0; i < 8; i++) {
                f = (f << 8) | (h[i] & 0xff);
            }
            return f;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
