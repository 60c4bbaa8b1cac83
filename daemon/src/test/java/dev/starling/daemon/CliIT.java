package dev.starling.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line: bin/starling, --help, refusals (exit 2), the demo to its converged output. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliIT {

    @TempDir
    Path tmp;

    record Run(int exit, String stdout, String stderr) {
    }

    private Run run(List<String> cmd, int timeoutS) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("timed out: " + cmd + "\n" + Files.readString(out) + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err));
    }

    private List<String> jar(String... args) {
        List<String> cmd = StarlingProcess.javaCommand();
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> launcher(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("starling.root"), "bin", "starling").toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void shouldPrintUsageAndExit0OnHelpWithoutStartingAnything() throws Exception {
        Run node = run(launcher("node", "--help"), 60);
        assertThat(node.exit()).as(node.stderr()).isZero();
        assertThat(node.stdout()).contains("--data-dir", "--secret-file", "--seed", "--api-token-file", "--config")
            .doesNotContain(" replica=");
        assertThat(tmp.resolve("starling-data")).doesNotExist();
        for (String sub : List.of("demo", "chaos")) {
            Run r = run(jar(sub, "--help"), 30);
            assertThat(r.exit()).isZero();
            assertThat(r.stdout()).contains("Usage: starling " + sub);
        }
    }

    @Test
    void shouldRefuseANonLoopbackBindWithoutASecret() throws Exception {
        Run r = run(jar("node", "--bind", "0.0.0.0", "--data-dir", tmp.resolve("d").toString()), 30);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr().strip().lines()).hasSize(1);
        assertThat(r.stderr()).contains("--secret-file", "--insecure");
        assertThat(r.stdout()).isEmpty();
        assertThat(tmp.resolve("d")).doesNotExist();

        Run badConfig = run(jar("node", "--config", tmp.resolve("missing.yaml").toString()), 30);
        assertThat(badConfig.exit()).isEqualTo(2);
        Files.writeString(tmp.resolve("typo.yaml"), "data-dri: x\n");
        Run typo = run(jar("node", "--config", tmp.resolve("typo.yaml").toString()), 30);
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.stderr()).contains("data-dri");
        Run chaos = run(jar("chaos"), 30);
        assertThat(chaos.exit()).isEqualTo(2);
        assertThat(chaos.stderr()).contains("chaos is not available yet");
    }

    @Test
    void shouldRefuseAMissingModelDirectory() throws Exception {
        Path missing = tmp.resolve("nonexistent");
        Run r = run(jar("node", "--model", missing.toString(), "--data-dir", tmp.resolve("d").toString(),
            "--gossip-port", "0", "--data-port", "0", "--http-port", "0"), 60);
        assertThat(r.exit()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr()).contains("starling: cannot start: cannot load the encoder model in " + missing,
            "model.onnx");
        assertThat(r.stdout()).isEmpty();
        assertThat(tmp.resolve("d")).as("nothing started").doesNotExist();

        Run both = run(jar("node", "--model", missing.toString(), "--no-encoder"), 30);
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.stderr()).contains("--model and --no-encoder");
    }

    @Test
    void shouldStopTheNodeWithExit0WhenTheLauncherGetsSigterm() throws Exception {
        Path data = tmp.resolve("launched");
        List<String> cmd = launcher("node", "--data-dir", data.toString(), "--gossip-port", "0", "--data-port", "0",
            "--http-port", "0", "--profile", "local");
        Path err = tmp.resolve("launched.err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        try {
            String ready = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            assertThat(ready).matches(StarlingProcess.READY.pattern());
            p.destroy(); // SIGTERM to the launcher's pid, which is the JVM's since it execs
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(err)).isZero();
            assertThat(Files.readString(err)).contains("stopped");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void shouldRunTheDemoToConvergence() throws Exception {
        Run r = run(launcher("demo", "--nodes", "3", "--exit-after-converged"), 110);
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("starling node node-1 ", "starling node node-3 ", "converged after",
            "/v1/maps/agent.planner", "search \"something fell on the floor\" on node-3", "obs-");
    }
}
