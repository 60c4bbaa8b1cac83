package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.membership.TestNodes.Node;
import dev.starling.node.testing.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipTest {

    private static final Duration JOIN = Duration.ofSeconds(10);

    @Test
    void shouldSeeEachOtherAliveWithMetadata() {
        try (TestNodes cluster = new TestNodes()) {
            List<Node> nodes = cluster.startCluster(3);
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            for (Node observer : nodes) {
                List<Member> members = observer.membership().members();
                assertThat(members).hasSize(3);
                assertThat(members.get(0)).isEqualTo(observer.membership().self());
                for (Node other : nodes) {
                    Member m = observer.view(other.name()).orElseThrow();
                    assertThat(m.replicaId()).isEqualTo(other.replicaId());
                    assertThat(m.gossipAddress()).isEqualTo(other.address());
                    assertThat(m.dataAddress())
                        .isEqualTo(new InetSocketAddress("127.0.0.1", 40000 + Integer.parseInt(other.name().substring(1))));
                }
                assertThat(observer.listener().events).allSatisfy(e ->
                    assertThat(e.thread()).startsWith("starling-membership-" + observer.name()));
            }
        }
    }

    @Test
    void shouldReportLeftThenRemovedOnGracefulClose() {
        try (TestNodes cluster = new TestNodes()) {
            List<Node> nodes = cluster.startCluster(3);
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            Node leaver = nodes.get(2);
            leaver.membership().close();
            List<Node> rest = nodes.subList(0, 2);
            Await.until(JOIN, () -> "n2 removed" + TestNodes.views(rest),
                () -> rest.stream().allMatch(n -> n.view("n2").isEmpty()));
            for (Node n : rest) {
                assertThat(n.listener().kindsFor("n2")).containsSubsequence("ALIVE", "LEFT", "REMOVED")
                    .doesNotContain("DEAD");
            }
        }
    }

    @Test
    void shouldReportSuspectDeadThenRemovedOnCrash() {
        try (TestNodes cluster = new TestNodes()) {
            List<Node> nodes = cluster.startCluster(3);
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            Node victim = nodes.get(2);
            MembershipConfig config = TestNodes.config(2, List.of()).build();
            long crashedAt = System.nanoTime();
            victim.membership().kill();
            List<Node> rest = nodes.subList(0, 2);
            // detection + retention from the config's formulas, plus slack for a loaded machine
            Duration bound = config.deadDetectionTime(3).plus(config.deadRetention()).multipliedBy(2)
                .plus(config.rejoinInterval()).plusSeconds(2);
            Await.until(bound, () -> "n2 removed" + TestNodes.views(rest),
                () -> rest.stream().allMatch(n -> n.view("n2").isEmpty()));
            Duration took = Duration.ofNanos(System.nanoTime() - crashedAt);
            for (Node n : rest) {
                assertThat(n.listener().kindsFor("n2")).containsSubsequence("ALIVE", "SUSPECT", "DEAD", "REMOVED")
                    .doesNotContain("LEFT");
            }
            assertThat(took).isLessThan(bound);
        }
    }

    @Test
    void shouldNeverJoinAClusterOfAnotherName() {
        try (TestNodes cluster = new TestNodes()) {
            List<Node> nodes = cluster.startCluster(2);
            Await.until(JOIN, () -> "all alive" + TestNodes.views(nodes),
                () -> TestNodes.allSee(nodes, nodes, MemberStatus.ALIVE));
            Node stranger = cluster.start(TestNodes.config(7, List.of(nodes.get(0).address()))
                .clusterName("other-cluster"));
            Await.until(JOIN, "the stranger's frames are refused",
                () -> nodes.get(0).membership().stats().droppedBadSignature() >= 3);
            for (Node n : nodes) {
                assertThat(n.view("n7")).isEmpty();
                assertThat(n.listener().kindsFor("n7")).isEmpty();
            }
            assertThat(stranger.membership().members()).hasSize(1);
            assertThat(stranger.membership().members().get(0).replicaId()).isEqualTo(new ReplicaId(8));
        }
    }

    @Test
    void shouldFailToStartOnAPortInUse() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            MembershipConfig config = TestNodes.config(0, List.of()).gossipPort(taken.getLocalPort()).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Membership.start(config, new RecordingListener()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
        Await.until(JOIN, "the event thread of the failed start is gone", () -> Thread.getAllStackTraces().keySet()
            .stream().noneMatch(t -> t.getName().equals("starling-membership-n0") && t.isAlive()));
    }
}
