package dev.starling.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes as separate processes on loopback (failsafe, integration-test phase): three JVMs form a
 * mesh; one is killed with SIGKILL right after writes it acknowledged under {@code always}; after
 * its restart it still has every one of them, and catches up with what the others wrote meanwhile.
 */
class MeshProcessIT {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldLoseNoAcknowledgedWriteWhenANodeIsKilledAndCatchUpAfterRestart() throws Exception {
        List<Child> children = new ArrayList<>();
        try {
            Child a = Child.start(tmp, "a", "always", "-");
            children.add(a);
            String seed = "127.0.0.1:" + a.gossipPort;
            Child b = Child.start(tmp, "b", "always", seed);
            children.add(b);
            Child c = Child.start(tmp, "c", "always", seed);
            children.add(c);
            for (Child ch : children) {
                ch.awaitLine("alive", "alive 3");
            }

            for (int i = 0; i < 200; i++) {
                assertThat(c.call("put m k" + i + " v" + i + " local 2000")).startsWith("ok ");
            }
            c.kill();

            for (int i = 0; i < 50; i++) {
                assertThat(a.call("put m a" + i + " x" + i + " local 2000")).startsWith("ok ");
            }
            Child c2 = Child.start(tmp, "c", "always", seed);
            children.add(c2);
            assertThat(c2.replica).isEqualTo(c.replica);
            for (int i = 0; i < 200; i++) {
                assertThat(c2.call("get m k" + i)).as("acknowledged write k" + i).isEqualTo("value v" + i);
            }
            c2.awaitLine("size m", "size 250");
            // every node ends with all 250 keys: a may still be receiving the last of c's writes
            // (acked by c alone, then killed) when c2 already has everything
            for (Child ch : List.of(a, b, c2)) {
                ch.awaitLine("size m", "size 250");
            }
            String digest = a.call("digest");
            c2.awaitLine("digest", digest);
            b.awaitLine("digest", digest);
        } finally {
            for (Child ch : children) {
                ch.kill();
            }
        }
    }

    private static final class Child {
        final Process process;
        final BufferedReader stdout;
        final PrintStream stdin;
        final Path stderr;
        final String replica;
        final int gossipPort;

        private Child(Process process, Path stderr) throws IOException {
            this.process = process;
            this.stderr = stderr;
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
            this.stdin = new PrintStream(process.getOutputStream(), true, UTF_8);
            String ready = readLine();
            if (!ready.startsWith("ready ")) {
                throw new AssertionError("expected ready, got " + ready);
            }
            String[] p = ready.split(" ");
            this.replica = p[1];
            this.gossipPort = Integer.parseInt(p[2]);
        }

        static Child start(Path tmp, String name, String sync, String seed) throws IOException {
            Path stderr = Files.createTempFile(tmp, name, ".err");
            List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlmdbjava.extract.dir=" + tmp,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-XX:TieredStopAtLevel=1",
                NodeProcessChild.class.getName(),
                name, tmp.resolve(name).toString(), sync, seed);
            Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            return new Child(p, stderr);
        }

        String readLine() throws IOException {
            String line = stdout.readLine();
            if (line == null) {
                throw new AssertionError("child ended, stderr:\n" + Files.readString(stderr));
            }
            return line;
        }

        String call(String command) throws IOException {
            stdin.println(command);
            return readLine();
        }

        /** Repeats {@code command} until it answers {@code expected}, for up to 30 s. */
        void awaitLine(String command, String expected) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String last = null;
            while (System.nanoTime() < deadline) {
                last = call(command);
                if (last.equals(expected)) {
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            throw new AssertionError("'" + command + "' never answered '" + expected + "', last: " + last);
        }

        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
