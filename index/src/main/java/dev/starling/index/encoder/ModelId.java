package dev.starling.index.encoder;

import dev.starling.crdt.ModelVersion;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Names an encoder model exactly: {@code name@version}, where {@code version} is 16 hex digits, the
 * first 8 bytes of the SHA-256 of the model's files ({@code model.onnx}, then {@code tokenizer.json}).
 * Two encoders with equal ids produce the same vectors for the same text; a changed file is a new id.
 * The fingerprint is what {@link ModelVersion#fingerprint()} carries; the generation is the
 * collection's business (which model came after which), so it is given when converting.
 */
public record ModelId(String name, long fingerprint) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public ModelId {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name must match " + NAME.pattern() + ": '" + name + "'");
        }
    }

    /**
     * Parses {@code name@version}.
     *
     * @throws IllegalArgumentException if the text is not of that form
     */
    public static ModelId parse(String text) {
        int at = text.lastIndexOf('@');
        if (at < 0 || text.length() - at - 1 != 16) {
            throw new IllegalArgumentException("model id must be name@<16 hex digits>: '" + text + "'");
        }
        try {
            return new ModelId(text.substring(0, at), Long.parseUnsignedLong(text.substring(at + 1), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model id must be name@<16 hex digits>: '" + text + "'", e);
        }
    }

    /** The version part: the fingerprint as 16 lower-case hex digits. */
    public String version() {
        return String.format("%016x", fingerprint);
    }

    /** This model as the CRDT layer tags embeddings with it. */
    public ModelVersion toModelVersion(int generation) {
        return new ModelVersion(generation, fingerprint);
    }

    @Override
    public String toString() {
        return name + "@" + version();
    }
}
