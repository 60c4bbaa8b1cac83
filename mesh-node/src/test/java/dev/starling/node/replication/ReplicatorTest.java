package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.LwwMap;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.node.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicatorTest {

    @Test
    void shouldApplyLocalWritesOfEveryKind() {
        TestCluster c = new TestCluster(1);
        TestCluster.Node a = c.node(0);
        a.submit(new Op.MapPut("cfg", "temperature", Value.utf8("0.7")), AckLevel.LOCAL);
        a.submit(new Op.MapPut("cfg", "prompt", Value.utf8("hi")), AckLevel.LOCAL);
        a.submit(new Op.MapRemove("cfg", "prompt"), AckLevel.LOCAL);
        a.submit(new Op.SetUpdate("tasks", List.of("a", "b"), List.of()), AckLevel.LOCAL);
        a.submit(new Op.SetUpdate("tasks", List.of("c"), List.of("a")), AckLevel.LOCAL);
        a.submit(new Op.CounterAdd("hits", 5), AckLevel.LOCAL);
        a.submit(new Op.CounterAdd("hits", -2), AckLevel.LOCAL);
        WriteReceipt r = a.submit(new Op.RegisterWrite(ObjectKind.REGISTER_LWW, "model", Value.utf8("m1")), AckLevel.LOCAL);

        @SuppressWarnings("unchecked")
        LwwMap<String, Value> cfg = (LwwMap<String, Value>) a.replicator.state(new ObjectKey(ObjectKind.MAP, "cfg"));
        assertThat(cfg.toMap()).containsOnlyKeys("temperature");
        @SuppressWarnings("unchecked")
        OrSet<String> tasks = (OrSet<String>) a.replicator.state(new ObjectKey(ObjectKind.SET, "tasks"));
        assertThat(tasks.sortedElements()).containsExactly("b", "c");
        assertThat(((PnCounter) a.replicator.state(new ObjectKey(ObjectKind.COUNTER, "hits"))).value()).isEqualTo(3);
        assertThat(((MvRegister<?>) a.replicator.state(new ObjectKey(ObjectKind.REGISTER_LWW, "model"))).siblings())
            .hasSize(1);
        assertThat(r.writeId()).isEqualTo(8);
        assertThat(a.completions).hasSize(8).allMatch(x -> x.levelMet() && x.ackedPeers() == 0);
        assertThat(a.changes).extracting(Change::op).containsExactly(Change.Op.PUT, Change.Op.PUT, Change.Op.REMOVE,
            Change.Op.ADD, Change.Op.ADD, Change.Op.REMOVE, Change.Op.ADD, Change.Op.UPDATE, Change.Op.UPDATE,
            Change.Op.WRITE);
        assertThat(a.store.deltaCount()).isEqualTo(8);
        assertThat(a.replicator.digest().entries()).isEqualTo(2 + 3);
    }

    @Test
    void shouldRefuseAWriteOfAnotherKindToAnExistingName() {
        TestCluster c = new TestCluster(1);
        TestCluster.Node a = c.node(0);
        a.submit(new Op.MapPut("x", "k", Value.utf8("v")), AckLevel.LOCAL);
        a.step(fx -> assertThatThrownBy(() -> a.replicator.submit(new Op.CounterAdd("x", 1), AckLevel.LOCAL, 0, 0, fx))
            .isInstanceOf(TypeConflictException.class).hasMessageContaining("is a map"));
        assertThat(a.replicator.lastSeq()).isEqualTo(1);
    }

    @Test
    void shouldRestoreEverythingAfterRestartAndContinueSequences() {
        TestCluster c = new TestCluster(1);
        TestCluster.Node a = c.node(0);
        a.submit(new Op.MapPut("cfg", "k".repeat(600), Value.utf8("long key")), AckLevel.LOCAL);
        a.submit(new Op.SetUpdate("s", List.of("x"), List.of()), AckLevel.LOCAL);
        a.submit(new Op.RegisterWrite(ObjectKind.REGISTER_SIBLINGS, "r", Value.utf8("1")), AckLevel.LOCAL);
        Digest before = a.replicator.digest();
        a.restart();
        assertThat(a.replicator.digest()).isEqualTo(before);
        WriteReceipt r = a.submit(new Op.SetUpdate("s", List.of("y"), List.of()), AckLevel.LOCAL);
        assertThat(r.writeId()).isEqualTo(4);
        @SuppressWarnings("unchecked")
        OrSet<String> s = (OrSet<String>) a.replicator.state(new ObjectKey(ObjectKind.SET, "s"));
        assertThat(s.sortedElements()).containsExactly("x", "y");
    }

    @Test
    void shouldReplicateToPeersAndConverge() {
        TestCluster c = new TestCluster(3);
        c.connectAll();
        c.deliverAll();
        c.node(0).submit(new Op.MapPut("m", "a", Value.utf8("1")), AckLevel.LOCAL);
        c.node(1).submit(new Op.SetUpdate("s", List.of("x"), List.of()), AckLevel.LOCAL);
        c.node(2).submit(new Op.CounterAdd("n", 7), AckLevel.LOCAL);
        c.deliverAll();
        String root = c.node(0).replicator.digest().root();
        assertThat(c.nodes).allMatch(n -> n.replicator.digest().root().equals(root));
        assertThat(c.node(2).replicator.digest().entries()).isEqualTo(3);
    }

    @Test
    void shouldReportRemoteChangesOnceAndNothingForDuplicates() {
        TestCluster c = new TestCluster(2);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        a.submit(new Op.SetUpdate("s", List.of("x", "y"), List.of()), AckLevel.LOCAL);
        TestCluster.Message push = c.queue.stream().filter(m -> m.type() == MessageTypes.DELTAS).findFirst().orElseThrow();
        c.deliverAll();
        assertThat(b.changes).extracting(Change::key).containsExactly("x", "y");
        assertThat(b.changes).allMatch(ch -> ch.op() == Change.Op.ADD && ch.origin().equals(a.id));
        b.changes.clear();
        b.step(fx -> b.replicator.onMessage(a.id, push.type(), push.payload(), c.nowMs, fx));
        assertThat(b.changes).isEmpty();
        // a remove learned by anti-entropy (no delta): reported per element, origin the sender
        a.step(fx -> a.replicator.onPeerDown(b.id, c.nowMs, fx));
        a.submit(new Op.SetUpdate("s", List.of(), List.of("x")), AckLevel.LOCAL);
        c.queue.clear();
        c.advance(1000);
        c.step(a, b);
        assertThat(b.changes).extracting(Change::op, Change::key).containsExactly(
            org.assertj.core.groups.Tuple.tuple(Change.Op.REMOVE, "x"));
        assertThat(b.replicator.digest()).isEqualTo(a.replicator.digest());
    }
}
