package dev.starling.node.membership;

import dev.starling.node.membership.TestNodes.Node;
import dev.starling.node.testing.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A gossip address from discovery (mDNS) is enough to join, though neither node has a seed. */
class MembershipCandidateTest {

    @Test
    void shouldJoinThroughADiscoveredCandidate() {
        try (TestNodes cluster = new TestNodes()) {
            Node a = cluster.start(0, List.of());
            Node b = cluster.start(1, List.of());
            List<Node> both = List.of(a, b);
            b.membership().addCandidate(a.address());
            Await.until(Duration.ofSeconds(10), () -> "joined through the candidate" + TestNodes.views(both),
                () -> TestNodes.allSee(both, both, MemberStatus.ALIVE));
        }
    }
}
