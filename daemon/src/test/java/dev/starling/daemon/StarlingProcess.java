package dev.starling.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built jar (target/starling.jar, failsafe's {@code starling.jar}) run as a real process: its
 * ready line parsed, stderr kept in a file, HTTP calls to its API.
 */
final class StarlingProcess implements AutoCloseable {

    static final Pattern READY = Pattern.compile(
        "starling node (\\S+) replica=([0-9a-f]{16}) gossip=(\\S+):(\\d+) data=(\\S+):(\\d+) http=(\\S+):(\\d+) ready");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    final Process process;
    final Path stderr;
    final List<String> stdout = new ArrayList<>();
    String name;
    String replica;
    int gossipPort;
    int httpPort;
    String token;

    private StarlingProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    static Path jar() {
        String jar = System.getProperty("starling.jar");
        if (jar == null) {
            throw new IllegalStateException("run as an IT (failsafe sets starling.jar)");
        }
        return Path.of(jar);
    }

    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-jar");
        cmd.add(jar().toString());
        return cmd;
    }

    /** Runs the jar with {@code args} without waiting for anything. */
    static StarlingProcess launch(Path dir, List<String> args) throws IOException {
        return launch(dir, List.of(), args);
    }

    /** As {@link #launch(Path, List)}, the command prefixed by {@code prefix} (e.g. {@code ip netns exec NS}). */
    static StarlingProcess launch(Path dir, List<String> prefix, List<String> args) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(javaCommand());
        cmd.addAll(args);
        Path err = Files.createTempFile(dir, "stderr-", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        return new StarlingProcess(p, err);
    }

    /** Starts {@code starling node} with ports 0 and the local profile, and waits for its ready line. */
    static StarlingProcess startNode(Path dataDir, String name, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("node", "--name", name, "--data-dir", dataDir.toString(),
            "--gossip-port", "0", "--data-port", "0", "--http-port", "0", "--profile", "local", "--sync", "always"));
        args.addAll(List.of(extra));
        StarlingProcess p = launch(dataDir.resolveSibling(name + "-logs"), args);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    void awaitReady(Duration timeout) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (stdout) {
                        stdout.add(line);
                    }
                    if (READY.matcher(line).matches()) {
                        return line;
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String line = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new IllegalStateException("no ready line; exit " + process.waitFor() + "; stderr:\n" + stderrText());
        }
        Matcher m = READY.matcher(line);
        m.matches();
        name = m.group(1);
        replica = m.group(2);
        gossipPort = Integer.parseInt(m.group(4));
        httpPort = Integer.parseInt(m.group(8));
        // keep draining stdout so the process never blocks on a full pipe
        CompletableFuture.runAsync(() -> {
            try {
                while (r.readLine() != null) {
                    // nothing else is printed
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    String seed() {
        return "127.0.0.1:" + gossipPort;
    }

    String stderrText() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** An HTTP exchange; {@code body} null for none. */
    Response call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
            .timeout(Duration.ofSeconds(20))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, UTF_8));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        return new Response(r.statusCode(), r.body());
    }

    Response get(String path) throws Exception {
        return call("GET", path, null);
    }

    Response put(String path, String body) throws Exception {
        return call("PUT", path, body);
    }

    Response post(String path, String body) throws Exception {
        return call("POST", path, body);
    }

    Response delete(String path) throws Exception {
        return call("DELETE", path, null);
    }

    /** Sends SIGTERM and returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    record Response(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String errorCode() {
            return json().path("error").path("code").asText();
        }
    }
}
