package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.fault.Faults;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Starts membership nodes on loopback for a test and stops every one of them on {@link #close()}.
 * Node i is named {@code n<i>} with replica id {@code i + 1} and data port {@code 40000 + i} (never
 * listened on: membership only publishes it).
 */
final class TestNodes implements AutoCloseable {

    static final byte[] SECRET = "a cluster secret of 32 bytes....".getBytes(StandardCharsets.US_ASCII);
    static final String CLUSTER = "test-cluster";

    /** One started node and what its listener heard. */
    record Node(String name, ReplicaId replicaId, Membership membership, RecordingListener listener) {
        String address() {
            InetSocketAddress a = membership.gossipAddress();
            return a.getHostString() + ":" + a.getPort();
        }

        Optional<Member> view(String name) {
            return membership.members().stream().filter(m -> m.name().equals(name)).findFirst();
        }

        MemberStatus statusOf(String name) {
            return view(name).map(Member::status).orElse(null);
        }
    }

    private final List<Node> started = new ArrayList<>();
    private final Faults faults;

    TestNodes(Faults faults) {
        this.faults = faults;
    }

    TestNodes() {
        this(null);
    }

    static MembershipConfig.Builder config(int index, List<String> seeds) {
        return MembershipConfig.local()
            .clusterName(CLUSTER)
            .secret(SECRET)
            .replicaId(new ReplicaId(index + 1))
            .nodeName("n" + index)
            .dataAddress(new InetSocketAddress("127.0.0.1", 40000 + index))
            .seeds(seeds);
    }

    Node start(int index, List<String> seeds) {
        return start(config(index, seeds).faults(faults));
    }

    Node start(MembershipConfig.Builder config) {
        MembershipConfig c = config.build();
        RecordingListener listener = new RecordingListener();
        Membership m = Membership.start(c, listener);
        Node node = new Node(c.nodeName(), c.replicaId(), m, listener);
        started.add(node);
        return node;
    }

    /** n nodes; node 0 is the seed of the others. */
    List<Node> startCluster(int n) {
        List<Node> nodes = new ArrayList<>();
        nodes.add(start(0, List.of()));
        for (int i = 1; i < n; i++) {
            nodes.add(start(i, List.of(nodes.get(0).address())));
        }
        return nodes;
    }

    static boolean allSee(List<Node> observers, List<Node> observed, MemberStatus status) {
        for (Node o : observers) {
            for (Node x : observed) {
                if (o != x && o.statusOf(x.name()) != status) {
                    return false;
                }
            }
        }
        return true;
    }

    static String views(List<Node> nodes) {
        StringBuilder b = new StringBuilder();
        for (Node n : nodes) {
            b.append("\n  ").append(n.name()).append(" sees ");
            for (Member m : n.membership().members()) {
                b.append(m.name()).append('=').append(m.status()).append(' ');
            }
        }
        return b.toString();
    }

    static Random random() {
        return new Random(42);
    }

    @Override
    public void close() {
        for (Node n : started) {
            n.membership().close();
        }
    }
}
