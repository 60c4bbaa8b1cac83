package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.node.replication.Change;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ChangeFeedTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldListLocalAndReplicatedChangesInOrderAndKeepCursorsAcrossARestart() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 2)) {
            Node a = cluster.nodes.get(0);
            Node b = cluster.nodes.get(1);
            List<ChangeFeed.Entry> pushed = new CopyOnWriteArrayList<>();
            b.changes().subscribe(pushed::addAll);

            // The feed lists changes in the order this node applied them: let each of a's arrive
            // before the next is written (changes that reach b together, as when anti-entropy
            // brings a's state right after the nodes meet, are applied in digest-tree order).
            a.map("cfg").put("x", Value.utf8("1")).get(10, TimeUnit.SECONDS);
            Await.until(() -> b.changes().lastCursor() >= 1, TestCluster.CONVERGE);
            a.set("tags").add("red").get(10, TimeUnit.SECONDS);
            Await.until(() -> b.changes().lastCursor() >= 2, TestCluster.CONVERGE);
            a.counter("n").add(3).get(10, TimeUnit.SECONDS);
            Await.until(() -> b.changes().lastCursor() >= 3, TestCluster.CONVERGE);
            b.map("cfg").remove("x").get(10, TimeUnit.SECONDS);

            Await.until(() -> b.changes().lastCursor() >= 4, TestCluster.CONVERGE);
            List<ChangeFeed.Entry> all = b.changes().read(0, 100);
            assertThat(all).extracting(ChangeFeed.Entry::cursor).containsExactly(1L, 2L, 3L, 4L);
            assertThat(all).extracting(e -> e.object().name() + "/" + e.key() + "/" + e.op() + "/" + e.type())
                .containsExactly("cfg/x/PUT/map", "tags/red/ADD/set", "n/null/UPDATE/counter", "cfg/x/REMOVE/map");
            assertThat(all.get(0).origin()).isEqualTo(a.replicaId());
            assertThat(all.get(3).origin()).isEqualTo(b.replicaId());
            assertThat(all.get(0).hlc()).isNotNull();
            // lastCursor moves before listeners are called: wait for the push of the last entry
            Await.until(() -> pushed.size() >= 4, TestCluster.CONVERGE);
            assertThat(pushed).containsExactlyElementsOf(all);

            assertThat(b.changes().read(2, 1)).extracting(ChangeFeed.Entry::cursor).containsExactly(3L);
            assertThat(b.changes().read(4, 10)).isEmpty();

            String name = b.name();
            b.close();
            Node b2 = cluster.add(name);
            assertThat(b2.changes().lastCursor()).isEqualTo(4);
            assertThat(b2.changes().read(0, 100)).containsExactlyElementsOf(all);
            b2.map("cfg").put("y", Value.utf8("2")).get(10, TimeUnit.SECONDS);
            Await.until(() -> b2.changes().lastCursor() == 5, TestCluster.CONVERGE);
            List<ChangeFeed.Entry> after = new ArrayList<>(b2.changes().read(4, 10));
            assertThat(after).hasSize(1);
            assertThat(after.get(0).op()).isEqualTo(Change.Op.PUT);
        }
    }
}
