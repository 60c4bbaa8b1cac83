package dev.starling.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.starling.node.fault.Faults;
import dev.starling.node.membership.Member;
import dev.starling.node.membership.MemberStatus;
import dev.starling.node.store.SyncPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Several real nodes in this JVM on loopback ports, with the {@code local} timings, all joined
 * through the first one's gossip address and sharing one {@link Faults}. Closing it closes every node.
 */
final class TestCluster implements AutoCloseable {

    static final byte[] SECRET = "test-cluster-secret-0123456789".getBytes(UTF_8);
    static final Duration CONVERGE = Duration.ofSeconds(30);

    final Path root;
    final Faults faults;
    final List<Node> nodes = new ArrayList<>();
    private final SyncPolicy sync;
    private final java.util.function.UnaryOperator<NodeConfig.Builder> customize;

    TestCluster(Path root, SyncPolicy sync) {
        this(root, sync, b -> b);
    }

    /** With {@code customize} applied to every node's config builder (an encoder, say). */
    TestCluster(Path root, SyncPolicy sync, java.util.function.UnaryOperator<NodeConfig.Builder> customize) {
        this.root = root;
        this.sync = sync;
        this.customize = customize;
        this.faults = new Faults(42);
    }

    static TestCluster start(Path root, int n) {
        return start(root, n, b -> b);
    }

    /** {@code n} nodes with {@code customize} applied to each one's config builder, all alive. */
    static TestCluster start(Path root, int n, java.util.function.UnaryOperator<NodeConfig.Builder> customize) {
        TestCluster c = new TestCluster(root, SyncPolicy.NONE, customize);
        try {
            for (int i = 0; i < n; i++) {
                c.add("n" + i);
            }
            c.awaitAllAlive();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    NodeConfig config(String name) {
        return builder(name).build();
    }

    NodeConfig.Builder builder(String name) {
        NodeConfig.Builder b = NodeConfig.builder()
            .name(name)
            .dataDir(root.resolve(name))
            .cluster("test")
            .secret(SECRET)
            .bindHost("127.0.0.1")
            .gossipPort(0)
            .dataPort(0)
            .sync(sync)
            .profile(NodeConfig.Profile.LOCAL);
        for (Node n : nodes) {
            if (!n.isClosed()) {
                b.seed("127.0.0.1:" + n.gossipAddress().getPort());
                break;
            }
        }
        return customize.apply(b);
    }

    /** Starts a node (a new one, or a restart in the same directory) and adds it to the cluster. */
    Node add(String name) {
        return add(config(name));
    }

    Node add(NodeConfig config) {
        Node node = Node.start(config, faults);
        nodes.removeIf(n -> n.isClosed() && n.name().equals(config.name()));
        nodes.add(node);
        return node;
    }

    List<Node> live() {
        return nodes.stream().filter(n -> !n.isClosed()).collect(Collectors.toList());
    }

    /** Waits until every live node sees every live node alive. */
    void awaitAllAlive() {
        List<Node> live = live();
        Set<String> ids = live.stream().map(n -> n.replicaId().toString()).collect(Collectors.toSet());
        Await.until(() -> live.stream().allMatch(n -> alive(n).containsAll(ids)), CONVERGE,
            () -> "all of " + ids + " alive everywhere; seen: " + live.stream().map(n -> n.name() + "=" + alive(n)).toList());
    }

    static Set<String> alive(Node n) {
        return n.members().stream().filter(m -> m.status() == MemberStatus.ALIVE)
            .map(Member::replicaId).map(Object::toString).collect(Collectors.toSet());
    }

    /** Waits until the live nodes' digests are all equal and returns it. */
    String awaitConverged() {
        List<Node> live = live();
        Await.until(() -> live.stream().map(Node::digest).distinct().count() == 1, CONVERGE,
            () -> "equal digests: " + live.stream().map(n -> n.name() + "=" + n.digest() + "/" + n.digestEntries()).toList());
        return live.get(0).digest();
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.close();
        }
    }
}
