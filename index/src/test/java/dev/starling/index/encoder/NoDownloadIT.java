package dev.starling.index.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The encoder never touches the network (a failsafe test: it starts a child JVM): in a fresh JVM with an empty DJL cache and no DJL settings
 * in the environment, loading the built-in model and embedding a sentence makes no connection attempt
 * (no native-library download, no DJL telemetry), and DJL's tokenizer library is unpacked from the
 * tokenizers jar into the cache.
 */
class NoDownloadIT {

    @Test
    void shouldEncodeWithoutAnyNetworkAttempt(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("djl-cache");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Djava.security.manager=allow",
            "-DDJL_CACHE_DIR=" + cache, "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
            "-cp", System.getProperty("java.class.path"), NetworkProbe.class.getName());
        for (String v : List.of("DJL_OFFLINE", "OPT_OUT_TRACKING", "RUST_FLAVOR", "RUST_LIBRARY_PATH",
            "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "JAVA_TOOL_OPTIONS")) {
            pb.environment().remove(v);
        }
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("DIMS 384").contains("ATTEMPTS []").contains("CONTROL [127.0.0.1:9");
        assertThat(nativeLibraries(cache)).as("tokenizer library unpacked from the jar").isNotEmpty();
    }

    private static List<Path> nativeLibraries(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(f -> f.getFileName().toString().startsWith("libtokenizers")).toList();
        }
    }
}
