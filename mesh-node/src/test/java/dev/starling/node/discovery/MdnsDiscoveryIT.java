package dev.starling.node.discovery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.starling.crdt.ReplicaId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real multicast, no mocks: three discovery instances, each a child JVM ({@link MdnsDiscoveryChild})
 * in a network namespace that this test creates, so that their mDNS traffic (port 5353, group
 * 224.0.0.251) stays off the machine's own network and cannot meet another test's. Two nodes are
 * of cluster "alpha", one of "beta". Checked: each alpha node reports the other with the exact
 * addresses it advertised; neither reports the beta node, though both have seen and dropped its
 * announcement (counted); the beta node reports nobody; a re-query reports a known peer again;
 * close returns within its bound and the child exits 0.
 *
 * <p>The namespace has only its loopback: {@code ip -n NS link set lo up}, {@code ... multicast
 * on} and a route for 224.0.0.0/4 on lo. jmdns binds to 127.0.0.1, joins the group on lo and
 * sends through it; the kernel loops multicast back to every member socket (IP_MULTICAST_LOOP is
 * on by default). On the kernels tried the MULTICAST flag and the route were not even needed,
 * since jmdns names the interface itself; they are set so that nothing depends on that. A JVM
 * cannot move one thread into a namespace, so the nodes are child processes started with
 * {@code ip netns exec}.
 *
 * <p>Needs root and iproute2's {@code ip}, and a kernel that lets root create namespaces (not
 * some unprivileged containers); without them it is skipped, with the reason.
 */
class MdnsDiscoveryIT {

    /**
     * jmdns probes its names 1 s apart before it announces, so peers appear about 4 s after start
     * (also at load 12 on 2 cores); the deadline only bounds a failing run.
     */
    private static final long DISCOVERY_DEADLINE_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long CLOSE_DEADLINE_NS = TimeUnit.SECONDS.toNanos(20);

    private static final Node A = new Node("node-a", "alpha", "a1a1a1a1a1a1a1a1", 7101, 8101);
    private static final Node B = new Node("node.b", "alpha", "0000b2b2b2b2b2b2", 7102, 8102);
    private static final Node C = new Node("node-c", "beta", "c3c3c3c3c3c3c3c3", 7103, 8103);

    @TempDir
    Path tmp;

    private String namespace;
    private final List<Child> children = new ArrayList<>();

    @BeforeEach
    void createNamespace() throws Exception {
        assumeTrue(commandSucceeds("ip", "-V"), "skipped: iproute2's `ip` is not available");
        assumeTrue("0".equals(output("id", "-u")), "skipped: creating a network namespace needs root");
        String name = "starling-mdns-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        Result add = run("ip", "netns", "add", name);
        assumeTrue(add.ok(), () -> "skipped: this machine does not let root create a network namespace: " + add.output());
        namespace = name;
        runOrFail("ip", "-n", namespace, "link", "set", "lo", "up");
        runOrFail("ip", "-n", namespace, "link", "set", "lo", "multicast", "on");
        runOrFail("ip", "-n", namespace, "route", "add", "224.0.0.0/4", "dev", "lo");
    }

    @AfterEach
    void removeNamespace() throws Exception {
        for (Child child : children) {
            child.kill();
        }
        if (namespace != null) {
            runOrFail("ip", "netns", "delete", namespace);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldReportThePeersOfItsClusterOnly() throws Exception {
        Child a = start(A);
        Child b = start(B);
        Child c = start(C);
        long deadline = System.nanoTime() + DISCOVERY_DEADLINE_NS;
        for (Child child : children) {
            child.await(line -> line.startsWith("ready " + child.node.instanceName() + ' '), deadline);
        }
        assertThat(a.await(line -> line.startsWith("peer "), deadline)).isEqualTo(B.expectedPeerLine());
        assertThat(b.await(line -> line.startsWith("peer "), deadline)).isEqualTo(A.expectedPeerLine());
        // Each alpha node has handled C's announcement, and C both of theirs: the absence of
        // reports checked below is a decision, not a lost packet.
        a.awaitCounters(otherCluster -> otherCluster >= 1, deadline);
        b.awaitCounters(otherCluster -> otherCluster >= 1, deadline);
        c.awaitCounters(otherCluster -> otherCluster >= 2, deadline);

        a.send("requery");
        a.await("requery"::equals, deadline);
        assertThat(a.await(line -> line.startsWith("peer "), deadline))
                .as("a re-query reports the known peer again").isEqualTo(B.expectedPeerLine());

        for (Child child : children) {
            child.send("close");
        }
        for (Child child : children) {
            String closed = child.await(line -> line.startsWith("closed "), System.nanoTime() + CLOSE_DEADLINE_NS);
            // closeTimeout (5 s), and slack for a loaded machine
            assertThat(Long.parseLong(closed.substring("closed ".length())))
                    .as("ms to close %s", child.node.name).isLessThanOrEqualTo(5_000 + 2_000);
            assertThat(child.process.waitFor(CLOSE_DEADLINE_NS, TimeUnit.NANOSECONDS)).as("exited").isTrue();
            assertThat(child.process.exitValue()).as("exit code of %s, stderr:%n%s", child.node.name, child.stderr())
                    .isZero();
        }
        assertThat(a.allLines()).filteredOn(line -> line.startsWith("peer ")).containsOnly(B.expectedPeerLine());
        assertThat(b.allLines()).filteredOn(line -> line.startsWith("peer ")).containsOnly(A.expectedPeerLine());
        assertThat(c.allLines()).filteredOn(line -> line.startsWith("peer ")).isEmpty();
        for (Child child : children) {
            assertThat(child.lastCounters()[2]).as("malformed seen by %s", child.node.name).isZero();
        }
    }

    private Child start(Node node) throws IOException {
        Path stderr = Files.createTempFile(tmp, node.name, ".err");
        List<String> command = List.of(
                "ip", "netns", "exec", namespace,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                MdnsDiscoveryChild.class.getName(),
                node.name, node.cluster, node.replica, Integer.toString(node.gossipPort), Integer.toString(node.dataPort));
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        Child child = new Child(node, process, stderr);
        children.add(child);
        return child;
    }

    private record Node(String name, String cluster, String replica, int gossipPort, int dataPort) {

        String instanceName() {
            return MdnsConfig.instanceName(name, ReplicaId.parse(replica));
        }

        /** The line a peer of this node's cluster prints for it: every TXT field, as advertised. */
        String expectedPeerLine() {
            return "peer " + instanceName() + ' ' + cluster + ' ' + replica + " 127.0.0.1:" + gossipPort
                    + " 127.0.0.1:" + dataPort;
        }
    }

    /** One child JVM; a daemon thread moves its stdout lines into a queue. */
    private static final class Child {
        private final Node node;
        private final Process process;
        private final Path stderr;
        private final Writer stdin;
        private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
        private final List<String> read = new ArrayList<>();
        private final Thread reader;

        Child(Node node, Process process, Path stderr) {
            this.node = node;
            this.process = process;
            this.stderr = stderr;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), UTF_8);
            this.reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        unread.add(line);
                    }
                } catch (IOException e) {
                    // the process was killed
                }
            }, "stdout-" + node.name);
            reader.setDaemon(true);
            reader.start();
        }

        /** The first unread line that matches, reading past the others; fails at the deadline. */
        String await(Predicate<String> match, long deadlineNs) throws Exception {
            while (true) {
                long leftNs = deadlineNs - System.nanoTime();
                String line = leftNs > 0 ? unread.poll(leftNs, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError(node.name + ": no expected line before the deadline; read so far "
                            + read + "; alive " + process.isAlive() + "; stderr:\n" + stderr());
                }
                read.add(line);
                if (match.test(line)) {
                    return line;
                }
            }
        }

        /**
         * Returns once the child's other-cluster count passes {@code test}: at once if the last
         * counters line already read does (counters are printed as they change, so the line may
         * have been read past while waiting for another), else at the next one that does.
         */
        void awaitCounters(LongPredicate test, long deadlineNs) throws Exception {
            Predicate<String> passes = line -> line.startsWith("counters ") && test.test(Long.parseLong(line.split(" ")[4]));
            String last = null;
            for (String line : read) {
                if (line.startsWith("counters ")) {
                    last = line;
                }
            }
            if (last == null || !passes.test(last)) {
                await(passes, deadlineNs);
            }
        }

        void send(String command) throws IOException {
            stdin.write(command + "\n");
            stdin.flush();
        }

        /** Every line the child printed; call once it has exited. */
        List<String> allLines() throws InterruptedException {
            reader.join(TimeUnit.NANOSECONDS.toMillis(CLOSE_DEADLINE_NS));
            unread.drainTo(read);
            return read;
        }

        long[] lastCounters() throws InterruptedException {
            String last = "counters 0 0 0 0";
            for (String line : allLines()) {
                if (line.startsWith("counters ")) {
                    last = line;
                }
            }
            String[] parts = last.split(" ");
            return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]),
                    Long.parseLong(parts[4])};
        }

        String stderr() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        void kill() throws InterruptedException {
            process.toHandle().destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private static Result run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), UTF_8).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, output + " (timed out)");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
    }

    private static boolean commandSucceeds(String... command) throws InterruptedException {
        return run(command).ok();
    }

    private static String output(String... command) throws InterruptedException {
        Result result = run(command);
        return result.ok() ? result.output() : "";
    }

    private static void runOrFail(String... command) throws InterruptedException {
        Result result = run(command);
        if (!result.ok()) {
            throw new AssertionError(String.join(" ", command) + " failed (" + result.exitCode() + "): " + result.output());
        }
    }
}
