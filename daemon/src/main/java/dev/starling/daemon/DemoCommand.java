package dev.starling.daemon;

import dev.starling.daemon.http.Json;
import dev.starling.index.encoder.EncoderConfig;
import dev.starling.index.encoder.OnnxTextEncoder;
import dev.starling.node.CounterHandle;
import dev.starling.node.MapHandle;
import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.RegisterHandle;
import dev.starling.node.Value;
import dev.starling.node.membership.MemberStatus;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.store.SyncPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code starling demo}: N nodes in this JVM on loopback, each with its HTTP API; sample data
 * written on different nodes (an agent's configuration as a document whose fields merge, a set of
 * tasks, a counter, an averaging register written concurrently); each node's view printed until
 * every node holds the same state.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Start a local mesh on loopback, load sample data, show it converge.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", description = "Nodes to start, 2 to 9 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--http-port", paramLabel = "P", defaultValue = "0",
        description = "HTTP port of the first node, the next ones follow (default: 0 = pick free ports).")
    int httpPort;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Where the nodes keep their state (default: a temporary directory, deleted on exit).")
    Path dataDir;

    @Option(names = "--exit-after-converged", description = "Stop once every node holds the same state (exit 0).")
    boolean exitAfterConverged;

    @Option(names = "--timeout-s", paramLabel = "S", defaultValue = "60",
        description = "Give up (exit 1) if the mesh has not converged after S seconds (default: ${DEFAULT-VALUE}).")
    int timeoutS;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || nodes > 9) {
            throw new UsageException("--nodes must be between 2 and 9: " + nodes);
        }
        boolean tempDir = dataDir == null;
        Path root = tempDir ? Files.createTempDirectory("starling-demo-") : dataDir;
        List<RunningNode> mesh = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        Shutdown.onSignals(stop::countDown);
        // one encoder for the whole demo: the nodes of one process may share it (it is thread-safe)
        OnnxTextEncoder encoder = OnnxTextEncoder.builtin(EncoderConfig.defaults());
        try {
            out.println("starling demo: starting " + nodes + " nodes on loopback (state in " + root + ")");
            long startMs = System.currentTimeMillis();
            String seed = null;
            for (int i = 1; i <= nodes; i++) {
                NodeConfig.Builder b = NodeConfig.builder()
                    .name("node-" + i)
                    .dataDir(root.resolve("node-" + i))
                    .cluster("starling-demo")
                    .secret(Secrets.developmentSecret("starling-demo"))
                    .gossipPort(0)
                    .dataPort(0)
                    .sync(SyncPolicy.INTERVAL)
                    .profile(NodeConfig.Profile.LOCAL)
                    .encoder(encoder);
                if (seed != null) {
                    b.seed(seed);
                }
                RunningNode n = RunningNode.start(b.build(), "127.0.0.1", httpPort == 0 ? 0 : httpPort + i - 1, null, null,
                    false);
                mesh.add(n);
                if (seed == null) {
                    seed = "127.0.0.1:" + n.node.gossipAddress().getPort();
                }
                out.println("  " + n.readyLine());
            }
            awaitMembers(mesh, startMs);
            out.printf("all %d nodes see each other alive, %d ms after the first one started%n%n", nodes, System.currentTimeMillis() - startMs);

            long writeMs = System.currentTimeMillis();
            writeSamples(mesh);
            out.println();
            boolean converged = showUntilConverged(mesh, writeMs);
            if (!converged) {
                out.println("the mesh did not converge within " + timeoutS + " s");
                return 1;
            }
            out.println();
            searchSample(mesh);
            out.println();
            out.println("Where to look (each node has the whole state; try a write on one and a read on another):");
            for (RunningNode n : mesh) {
                String base = "http://" + n.httpAddress().getHostString() + ":" + n.httpAddress().getPort();
                out.printf("  %s  %s/v1/maps/agent.planner   %s/v1/members   %s/v1/digest   %s/metrics%n",
                    n.node.name(), base, base, base, base);
            }
            String base0 = "http://127.0.0.1:" + mesh.get(0).httpAddress().getPort();
            out.println("  e.g. curl -X PUT -d '\"be brief\"' " + base0 + "/v1/maps/agent.planner/style");
            out.println("       curl -X POST -d '{\"text\":\"a drone needs charging\",\"k\":3}' " + base0
                + "/v1/collections/observations/search");
            if (exitAfterConverged) {
                out.println("converged; stopping (--exit-after-converged)");
                return 0;
            }
            out.println("Running until Ctrl-C.");
            out.flush();
            stop.await();
            out.println("stopping");
            return 0;
        } finally {
            for (RunningNode n : mesh) {
                n.close();
            }
            encoder.close();
            if (tempDir) {
                deleteQuietly(root);
            }
        }
    }

    private void awaitMembers(List<RunningNode> mesh, long startMs) throws InterruptedException {
        long deadline = startMs + TimeUnit.SECONDS.toMillis(timeoutS);
        while (System.currentTimeMillis() < deadline) {
            boolean all = true;
            for (RunningNode n : mesh) {
                long alive = n.node.members().stream().filter(m -> m.status() == MemberStatus.ALIVE).count();
                all &= alive == mesh.size();
            }
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the nodes did not see each other within " + timeoutS + " s");
    }

    /** Writes on different nodes, without waiting for replication. */
    private void writeSamples(List<RunningNode> mesh) throws Exception {
        Node first = mesh.get(0).node;
        Node second = mesh.get(1).node;
        Node last = mesh.get(mesh.size() - 1).node;
        List<CompletableFuture<?>> writes = new ArrayList<>();
        out.println("writing sample data on different nodes:");
        writes.add(put(first, "agent.planner", "model", "\"llama-3-8b@q4\""));
        writes.add(put(first, "agent.planner", "temperature", "0.7"));
        writes.add(put(second, "agent.planner", "max_tokens", "256"));
        writes.add(put(last, "agent.planner", "system_prompt", "\"You plan pick-and-place tasks.\""));
        out.println("  agent.planner (a document; its fields merge): model, temperature on " + first.name()
            + ", max_tokens on " + second.name() + ", system_prompt on " + last.name());
        writes.add(second.set("tasks.active").update(List.of("pick:bin-4", "scan:aisle-2"), List.of(),
            dev.starling.node.replication.AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT));
        writes.add(last.set("tasks.active").update(List.of("charge:robot-7"), List.of(),
            dev.starling.node.replication.AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT));
        out.println("  tasks.active (a set): 2 tasks added on " + second.name() + ", 1 on " + last.name());
        for (int i = 0; i < mesh.size(); i++) {
            writes.add(mesh.get(i).node.counter("frames.seen").add(100L * (i + 1)));
        }
        out.println("  frames.seen (a counter): each node adds 100 x its number");
        for (int i = 0; i < mesh.size(); i++) {
            RegisterHandle r = mesh.get(i).node.register("confidence", ObjectKind.REGISTER_AVERAGE);
            writes.add(r.write(Json.toValue(Json.NODES.numberNode(Math.round(50.0 + 10 * i) / 100.0))));
        }
        out.println("  confidence (a register read as the average): every node writes its own estimate at once");
        for (int i = 0; i < mesh.size(); i++) {
            for (int j = 0; j < 2; j++) {
                int d = (2 * i + j) % OBSERVATIONS.length;
                writes.add(mesh.get(i).node.collection("observations").upsertText("obs-" + (2 * i + j + 1),
                    OBSERVATIONS[d] + (2 * i + j >= OBSERVATIONS.length ? " (again)" : "")));
            }
        }
        out.println("  observations (a collection, searchable by meaning): each node embeds 2 notes with the built-in "
            + "encoder");
        for (CompletableFuture<?> w : writes) {
            w.get(10, TimeUnit.SECONDS);
        }
    }

    private static final String[] OBSERVATIONS = {
        "The robot arm dropped a red box next to the conveyor",
        "Camera 2 saw a person walking into the loading dock",
        "Drone 7 reports its battery at 12 percent",
        "The forklift in aisle 4 needs new tyres",
        "Temperature in the server rack rose to 45 degrees",
        "A parcel fell off the top shelf in aisle 2",
    };

    /** Once every node has indexed every note: the same search on the last node and the first. */
    private void searchSample(List<RunningNode> mesh) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(timeoutS);
        while (!mesh.stream().allMatch(n -> n.node.collection("observations").indexed() == 2 * mesh.size())) {
            if (System.currentTimeMillis() > deadline) {
                out.println("the notes were not indexed everywhere within " + timeoutS + " s");
                return;
            }
            Thread.sleep(20);
        }
        String query = "something fell on the floor";
        for (RunningNode n : List.of(mesh.get(mesh.size() - 1), mesh.get(0))) {
            out.printf("search \"%s\" on %s (its own index):%n", query, n.node.name());
            for (dev.starling.index.SearchHit h : n.node.collection("observations").search(query, 3)) {
                out.printf(java.util.Locale.ROOT, "  %.3f  %s  %s%n", h.score(), h.id(),
                    n.node.collection("observations").get(h.id()).text());
            }
        }
    }

    private static CompletableFuture<?> put(Node node, String map, String key, String json) {
        return node.map(map).put(key, Json.toValue(Json.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    private boolean showUntilConverged(List<RunningNode> mesh, long writeMs) throws InterruptedException {
        long deadline = writeMs + TimeUnit.SECONDS.toMillis(timeoutS);
        String previous = null;
        while (System.currentTimeMillis() < deadline) {
            List<String> views = new ArrayList<>();
            List<String> roots = new ArrayList<>();
            for (RunningNode n : mesh) {
                views.add(view(n.node));
                roots.add(n.node.digest());
            }
            String frame = String.join("\n", views);
            long t = System.currentTimeMillis() - writeMs;
            if (!frame.equals(previous)) {
                out.printf("t=%d ms%n", t);
                for (int i = 0; i < mesh.size(); i++) {
                    out.printf("  %s root=%s %s%n", mesh.get(i).node.name(), shortRoot(roots.get(i)), views.get(i));
                }
                previous = frame;
            }
            boolean converged = roots.stream().distinct().count() == 1 && views.stream().distinct().count() == 1
                && complete(mesh.get(0).node, mesh.size());
            if (converged) {
                out.printf("converged after %d ms: every node holds the same state (digest root %s, %d entries)%n",
                    t, shortRoot(roots.get(0)), mesh.get(0).node.digestEntries());
                out.flush();
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Every sample write has arrived (equal roots alone could be equal but early). */
    private static boolean complete(Node n, int nodes) {
        RegisterHandle r = n.register("confidence", ObjectKind.REGISTER_AVERAGE);
        return n.map("agent.planner").size() == 4 && n.set("tasks.active").size() == 3
            && n.collection("observations").size() == 2 * nodes
            && n.counter("frames.seen").value() == 100L * nodes * (nodes + 1) / 2
            && r.siblings().size() == nodes;
    }

    private static String view(Node n) {
        MapHandle planner = n.map("agent.planner");
        com.fasterxml.jackson.databind.node.ObjectNode doc = Json.object();
        new TreeMap<>(planner.toMap()).forEach((k, v) -> doc.set(k, Json.fromValue(v)));
        CounterHandle frames = n.counter("frames.seen");
        RegisterHandle conf = n.register("confidence", ObjectKind.REGISTER_AVERAGE);
        double sum = 0;
        List<Value> siblings = conf.siblings();
        for (Value v : siblings) {
            sum += Json.fromValue(v).doubleValue();
        }
        String average = siblings.isEmpty() ? "-" : String.format(java.util.Locale.ROOT, "%.2f of %d", sum / siblings.size(), siblings.size());
        return "agent.planner=" + new String(Json.write(doc), java.nio.charset.StandardCharsets.UTF_8) + " tasks.active=" + n.set("tasks.active").elements()
            + " frames.seen=" + frames.value() + " confidence=" + average;
    }

    private static String shortRoot(String root) {
        return Objects.toString(root, "-").length() > 12 ? root.substring(0, 12) : Objects.toString(root, "-");
    }

    private static void deleteQuietly(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("starling demo: could not delete " + root + ": " + e.getMessage());
        }
    }
}
