package dev.starling.index.encoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * Writes the reference-vector fixture that {@link OnnxTextEncoderTest} compares against. Run once,
 * by hand, when the built-in model changes (it is not a test):
 *
 * <pre>
 * mvn -q -pl index -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java -cp "index/target/test-classes:index/target/classes:$(cat index/target/test-classpath.txt)" \
 *     dev.starling.index.encoder.ReferenceVectorWriter index/src/test/resources/encoder/reference-vector.txt
 * </pre>
 */
public final class ReferenceVectorWriter {

    static final String SENTENCE = "Starling keeps the state of AI agents in sync across the machines of an edge LAN.";

    private ReferenceVectorWriter() {
    }

    public static void main(String[] args) throws IOException {
        try (OnnxTextEncoder encoder = OnnxTextEncoder.builtin(EncoderConfig.defaults())) {
            float[] v = encoder.embed(SENTENCE);
            StringBuilder sb = new StringBuilder();
            sb.append("# Reference embedding for OnnxTextEncoderTest, written by ReferenceVectorWriter on ")
                .append(Instant.now()).append('\n');
            sb.append("# model ").append(encoder.modelId()).append(", ").append(v.length)
                .append(" floats, one per line (Float.toString: exact round trip)\n");
            sb.append("# sentence: ").append(SENTENCE).append('\n');
            for (float x : v) {
                sb.append(String.format(Locale.ROOT, "%s%n", Float.toString(x)));
            }
            Files.writeString(Path.of(args[0]), sb, StandardCharsets.UTF_8);
        }
    }
}
