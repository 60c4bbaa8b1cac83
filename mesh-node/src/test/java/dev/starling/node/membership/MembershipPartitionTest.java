package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.fault.Faults;
import dev.starling.node.membership.TestNodes.Node;
import dev.starling.node.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Partitions that last until each side has declared the other dead and removed it, then heal,
 * through {@link Faults} in the SWIM transport decorator (no restart, no new seeds). Timings are
 * {@link MembershipConfig#local()}: with 4 members a node is dead about 2 s after it stops answering
 * and removed 1 s later.
 */
class MembershipPartitionTest {

    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final Duration REMOVAL = Duration.ofSeconds(20);
    private static final Duration HEAL = Duration.ofSeconds(15);

    @Test
    void shouldHealAPartitionThatOutlastedRemovalOnBothSides() {
        Faults faults = new Faults(1);
        try (TestNodes cluster = new TestNodes(faults)) {
            List<Node> nodes = cluster.startCluster(4);
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            List<Node> left = nodes.subList(0, 2);
            List<Node> right = nodes.subList(2, 4);

            faults.partition(List.of(replicas(left), replicas(right)));
            Await.until(REMOVAL, () -> "each side removed the other" + TestNodes.views(nodes),
                () -> noneSees(left, right) && noneSees(right, left));
            assertThat(left.get(0).listener().kindsFor("n2")).containsSubsequence("ALIVE", "DEAD", "REMOVED");
            assertThat(right.get(0).listener().kindsFor("n0")).containsSubsequence("ALIVE", "DEAD", "REMOVED");

            faults.clear();
            Await.until(HEAL, () -> "healed" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            assertSameReplicaIds(nodes);
            assertThat(nodes.stream().mapToLong(n -> n.membership().stats().droppedByFaults()).sum()).isPositive();
        }
    }

    @Test
    void shouldHealThroughRememberedPeersWhenNoSeedIsLeft() {
        Faults faults = new Faults(2);
        try (TestNodes cluster = new TestNodes(faults)) {
            List<Node> all = cluster.startCluster(4);
            Await.until(JOIN, () -> "all alive" + TestNodes.views(all),
                () -> TestNodes.allSee(all, all, MemberStatus.ALIVE));
            // the only seed leaves for good: from now on seeds cannot bridge anything
            all.get(0).membership().close();
            List<Node> nodes = all.subList(1, 4);
            Await.until(REMOVAL, () -> "seed removed" + TestNodes.views(nodes),
                () -> nodes.stream().allMatch(n -> n.view("n0").isEmpty()));

            Node cutOff = nodes.get(2);
            List<Node> rest = nodes.subList(0, 2);
            faults.isolate(Set.of(cutOff.replicaId()));
            Await.until(REMOVAL, () -> "n3 and the rest removed each other" + TestNodes.views(nodes),
                () -> noneSees(rest, List.of(cutOff)) && noneSees(List.of(cutOff), rest));
            long rejoinsBefore = rejoinAttempts(nodes);

            faults.clear();
            Await.until(HEAL, () -> "healed" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            assertSameReplicaIds(nodes);
            // either side's rejoin round may be the one that gets through first
            assertThat(rejoinAttempts(nodes)).isGreaterThan(rejoinsBefore);
        }
    }

    /**
     * The control for the test above: with the rejoin rounds effectively off, scalecube alone does
     * not bring back a member cut off until removal once no seed is left (hashicorp/memberlist#222).
     */
    @Test
    void shouldNotHealWithoutRejoinRoundsOnceNoSeedIsLeft() {
        Faults faults = new Faults(3);
        try (TestNodes cluster = new TestNodes(faults)) {
            Duration never = Duration.ofHours(1);
            Duration syncInterval = Duration.ofMillis(500);
            Node seed = cluster.start(TestNodes.config(0, List.of()).faults(faults).rejoinInterval(never));
            List<Node> nodes = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                nodes.add(cluster.start(TestNodes.config(i, List.of(seed.address())).faults(faults)
                    .rejoinInterval(never).syncInterval(syncInterval)));
            }
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            seed.membership().close();
            Await.until(REMOVAL, () -> "seed removed" + TestNodes.views(nodes),
                () -> nodes.stream().allMatch(n -> n.view("n0").isEmpty()));
            Node cutOff = nodes.get(2);
            List<Node> rest = nodes.subList(0, 2);
            faults.isolate(Set.of(cutOff.replicaId()));
            Await.until(REMOVAL, () -> "removed each other" + TestNodes.views(nodes),
                () -> noneSees(rest, List.of(cutOff)) && noneSees(List.of(cutOff), rest));

            faults.clear();
            // scalecube's own anti-entropy runs every syncInterval, to seeds and members only
            Await.during(syncInterval.multipliedBy(6), () -> "healed without rejoin" + TestNodes.views(nodes),
                () -> noneSees(rest, List.of(cutOff)) && noneSees(List.of(cutOff), rest));
        }
    }

    private static long rejoinAttempts(List<Node> nodes) {
        return nodes.stream().mapToLong(n -> n.membership().stats().rejoinAttempts()).sum();
    }

    private static Set<ReplicaId> replicas(List<Node> nodes) {
        return nodes.stream().map(Node::replicaId).collect(Collectors.toSet());
    }

    private static boolean noneSees(List<Node> observers, List<Node> observed) {
        for (Node o : observers) {
            for (Node x : observed) {
                if (o.view(x.name()).isPresent()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void assertSameReplicaIds(List<Node> nodes) {
        for (Node o : nodes) {
            for (Node x : nodes) {
                assertThat(o.view(x.name()).orElseThrow().replicaId()).isEqualTo(x.replicaId());
            }
        }
    }
}
