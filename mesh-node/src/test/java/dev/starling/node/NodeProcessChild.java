package dev.starling.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.starling.node.replication.AckLevel;
import dev.starling.node.store.SyncPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A node in a process of its own, for {@link MeshProcessIT}: started with
 * {@code name dataDir sync seed|-}, it prints {@code ready <replica> <gossipPort>} and then answers
 * one line per command read from stdin:
 * <ul>
 *   <li>{@code put MAP KEY VALUE ACK TIMEOUT_MS} → {@code ok <hlc> <acked> <confirmed>}</li>
 *   <li>{@code get MAP KEY} → {@code value <v>} or {@code none}</li>
 *   <li>{@code size MAP} → {@code size <n>}</li>
 *   <li>{@code digest} → {@code digest <root> <entries>}</li>
 *   <li>{@code alive} → {@code alive <n>} (members seen alive, self included)</li>
 *   <li>{@code close} → closes the node gracefully, prints {@code closed} and exits 0</li>
 * </ul>
 */
public final class NodeProcessChild {

    private NodeProcessChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, UTF_8);
        NodeConfig.Builder b = NodeConfig.builder()
            .name(args[0])
            .dataDir(Path.of(args[1]))
            .sync(SyncPolicy.parse(args[2]))
            .cluster("test")
            .secret(TestCluster.SECRET)
            .bindHost("127.0.0.1")
            .gossipPort(0)
            .dataPort(0)
            .profile(NodeConfig.Profile.LOCAL);
        if (!"-".equals(args[3])) {
            b.seed(args[3]);
        }
        Node node = Node.start(b.build());
        out.println("ready " + node.replicaId() + " " + node.gossipAddress().getPort());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split(" ");
            switch (p[0]) {
                case "put" -> {
                    WriteResult r = node.map(p[1]).put(p[2], Value.utf8(p[3]), AckLevel.parse(p[4]),
                        Duration.ofMillis(Long.parseLong(p[5]))).get(60, TimeUnit.SECONDS);
                    out.println("ok " + r.hlc() + " " + r.acked() + " " + r.confirmed());
                }
                case "get" -> {
                    Value v = node.map(p[1]).get(p[2]);
                    out.println(v == null ? "none" : "value " + v.asUtf8());
                }
                case "size" -> out.println("size " + node.map(p[1]).size());
                case "digest" -> out.println("digest " + node.digest() + " " + node.digestEntries());
                case "alive" -> out.println("alive " + TestCluster.alive(node).size());
                case "close" -> {
                    node.close();
                    out.println("closed");
                    System.exit(0);
                }
                default -> out.println("error unknown command " + p[0]);
            }
        }
        node.close();
    }
}
