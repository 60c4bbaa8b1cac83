package dev.starling.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--mdns` end to end: two daemons with no seed, in a network namespace this test creates (its
 * loopback with multicast on), find each other by mDNS, join through SWIM and replicate. HTTP calls
 * go through {@link HttpProbe} started inside the namespace. Skipped without root or `ip`.
 */
class MdnsJoinIT {

    @TempDir
    Path tmp;

    private String namespace;
    private final List<StarlingProcess> nodes = new ArrayList<>();

    @BeforeEach
    void createNamespace() throws Exception {
        assumeTrue(run("ip", "-V").startsWith("0 "), "skipped: iproute2's `ip` is not available");
        assumeTrue(run("id", "-u").equals("0 0"), "skipped: creating a network namespace needs root");
        String name = "starling-mdnsjoin-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        String add = run("ip", "netns", "add", name);
        assumeTrue(add.startsWith("0 "), () -> "skipped: cannot create a network namespace: " + add);
        namespace = name;
        runOrFail("ip", "-n", namespace, "link", "set", "lo", "up");
        runOrFail("ip", "-n", namespace, "link", "set", "lo", "multicast", "on");
        runOrFail("ip", "-n", namespace, "route", "add", "224.0.0.0/4", "dev", "lo");
    }

    @AfterEach
    void removeNamespace() throws Exception {
        for (StarlingProcess n : nodes) {
            n.close();
        }
        if (namespace != null) {
            runOrFail("ip", "netns", "delete", namespace);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldJoinAndReplicateThroughMdnsWithoutSeeds() throws Exception {
        StarlingProcess a = start("a");
        StarlingProcess b = start("b");
        // self is listed twice (as "self" and in "members"): two alive nodes make three entries
        awaitProbe("GET", a, "/v1/members", null, r -> r.startsWith("200 ") && r.contains("\"replica\":\"" + b.replica + "\"")
            && count(r, "\"status\":\"alive\"") == 3);
        awaitProbe("GET", b, "/v1/members", null, r -> r.startsWith("200 ") && r.contains("\"replica\":\"" + a.replica + "\"")
            && count(r, "\"status\":\"alive\"") == 3);
        assertThat(probe("PUT", a, "/v1/maps/found/by", "\"mdns\"")).startsWith("200 ");
        awaitProbe("GET", b, "/v1/maps/found/by", null, r -> r.startsWith("200 ") && r.contains("\"value\":\"mdns\""));
    }

    private StarlingProcess start(String name) throws Exception {
        List<String> args = List.of("node", "--name", name, "--data-dir", tmp.resolve(name).toString(),
            "--gossip-port", "0", "--data-port", "0", "--http-port", "0", "--profile", "local", "--mdns");
        StarlingProcess p = StarlingProcess.launch(tmp.resolve(name + "-logs"), List.of("ip", "netns", "exec", namespace), args);
        nodes.add(p);
        p.awaitReady(java.time.Duration.ofSeconds(60));
        return p;
    }

    private void awaitProbe(String method, StarlingProcess node, String path, String body, Predicate<String> done)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = null;
        while (System.nanoTime() < deadline) {
            last = probe(method, node, path, body);
            if (done.test(last)) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        }
        throw new AssertionError(method + " " + path + " on " + node.name + " never matched; last: " + last
            + "\nstderr:\n" + node.stderrText());
    }

    private String probe(String method, StarlingProcess node, String path, String body) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), HttpProbe.class.getName(), method,
            "http://127.0.0.1:" + node.httpPort + path));
        if (body != null) {
            cmd.add(body);
        }
        String out = run(cmd.toArray(String[]::new));
        return out.startsWith("0 ") ? out.substring(2).strip() : "probe failed: " + out;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Runs a command to its end; returns its exit code, a space, and its output. */
    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "-1 timed out";
        }
        return p.exitValue() + " " + out;
    }

    private static void runOrFail(String... command) throws Exception {
        String r = run(command);
        if (!r.startsWith("0 ")) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + r);
        }
    }
}
