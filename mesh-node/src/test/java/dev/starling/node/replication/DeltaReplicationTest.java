package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.LwwMap;
import dev.starling.node.Value;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeltaReplicationTest {

    private static final ObjectKey M = new ObjectKey(ObjectKind.MAP, "m");

    @SuppressWarnings("unchecked")
    private static LwwMap<String, Value> map(TestCluster.Node n) {
        LwwMap<String, Value> m = (LwwMap<String, Value>) n.replicator.state(M);
        return m == null ? LwwMap.empty() : m;
    }

    @Test
    void shouldPushAckAndTrimTheLog() {
        TestCluster c = new TestCluster(2);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        for (int i = 0; i < 3; i++) {
            a.submit(new Op.MapPut("m", "k" + i, Value.utf8("v" + i)), AckLevel.LOCAL);
        }
        assertThat(a.store.deltaCount()).isEqualTo(3);
        c.deliverAll();
        assertThat(map(b).size()).isEqualTo(3);
        assertThat(b.store.acks()).containsEntry(a.id, 0L);
        assertThat(a.store.acks()).containsEntry(b.id, 3L);
        assertThat(a.store.deltaCount()).isZero();
        assertThat(a.replicator.peerPositions().get(b.id)[0]).isEqualTo(3);
        assertThat(b.replicator.peerPositions().get(a.id)[1]).isEqualTo(3);
    }

    @Test
    void shouldResendWhatWasLostAfterTheResendInterval() {
        TestCluster c = new TestCluster(2);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        a.submit(new Op.MapPut("m", "k", Value.utf8("v")), AckLevel.LOCAL);
        c.deliverAll(m -> m.type() == MessageTypes.DELTAS);
        assertThat(map(b).size()).isZero();
        c.advance(c.config.resendIntervalMs() - 1);
        a.tick();
        assertThat(c.queue).noneMatch(m -> m.type() == MessageTypes.DELTAS);
        c.advance(1);
        a.tick();
        c.deliverAll();
        assertThat(map(b).get("k")).isEqualTo(Value.utf8("v"));
        assertThat(a.store.acks()).containsEntry(b.id, 1L);
        assertThat(a.replicator.stats().resends()).isEqualTo(1);
    }

    @Test
    void shouldAckOnlyTheContiguousPrefixButApplyOutOfOrderDeltas() {
        TestCluster c = new TestCluster(2);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        a.submit(new Op.MapPut("m", "k1", Value.utf8("1")), AckLevel.LOCAL);
        a.submit(new Op.MapPut("m", "k2", Value.utf8("2")), AckLevel.LOCAL);
        AtomicInteger deltas = new AtomicInteger();
        c.deliverAll(m -> m.type() == MessageTypes.DELTAS && deltas.getAndIncrement() == 0);
        assertThat(map(b).toMap()).containsOnlyKeys("k2");
        assertThat(a.store.acks()).containsEntry(b.id, 0L);
        c.advance(c.config.resendIntervalMs());
        a.tick();
        c.deliverAll();
        assertThat(map(b).toMap()).containsOnlyKeys("k1", "k2");
        assertThat(a.store.acks()).containsEntry(b.id, 2L);
    }

    @Test
    void shouldBatchResendsWithinTheMessageBound() {
        ReplicatorConfig config = ReplicatorConfig.local().toBuilder().maxMessageBytes(4096).maxDeltaBatchMessages(2).build();
        TestCluster c = new TestCluster(2, config, 1_000_000);
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        c.up(a, b);
        c.queue.clear();
        for (int i = 0; i < 200; i++) {
            a.submit(new Op.MapPut("m", "k" + i, Value.utf8("x".repeat(100))), AckLevel.LOCAL);
        }
        c.queue.clear(); // every push lost
        c.advance(config.resendIntervalMs());
        a.tick();
        assertThat(c.queue).filteredOn(m -> m.type() == MessageTypes.DELTAS).hasSize(2)
            .allMatch(m -> m.payload().length <= 4096);
    }

    @Test
    void shouldStartAntiEntropyWhenTheLogNoLongerHoldsWhatAPeerMisses() {
        TestCluster c = new TestCluster(2, ReplicatorConfig.local(), 5);
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        for (int i = 0; i < 50; i++) {
            a.submit(new Op.MapPut("m", "k" + i, Value.utf8("v" + i)), AckLevel.LOCAL);
        }
        assertThat(a.store.firstDeltaSeq()).isEqualTo(46);
        c.up(b, a);
        c.up(a, b);
        c.deliverAll();
        assertThat(map(b).size()).isEqualTo(50);
        assertThat(b.replicator.digest()).isEqualTo(a.replicator.digest());
        // roots found equal move the receive position past the trimmed part: acks flow again
        c.advance(c.config.resendIntervalMs());
        a.tick();
        c.deliverAll();
        assertThat(a.store.acks()).containsEntry(b.id, 50L);
        a.submit(new Op.MapPut("m", "late", Value.utf8("x")), AckLevel.LOCAL);
        c.deliverAll();
        assertThat(a.store.acks()).containsEntry(b.id, 51L);
    }

    @Test
    void shouldRelayAboveTheRelayMeshSize() {
        ReplicatorConfig config = ReplicatorConfig.local().toBuilder().fanOut(2).relayAboveMeshSize(3).build();
        TestCluster c = new TestCluster(8, config, 1_000_000);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        a.submit(new Op.MapPut("m", "k", Value.utf8("v")), AckLevel.LOCAL);
        assertThat(c.queue).filteredOn(m -> m.type() == MessageTypes.DELTAS).hasSize(2);
        c.deliverAll();
        assertThat(c.nodes).allMatch(n -> map(n).containsKey("k"));
        long relays = c.nodes.stream().mapToLong(n -> n.replicator.stats().relays()).sum();
        assertThat(relays).isPositive();
        assertThat(a.store.acks().values()).allMatch(v -> v == 1L);
    }

    @Test
    void shouldStopHoldingTheLogForARemovedPeer() {
        TestCluster c = new TestCluster(3);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        TestCluster.Node gone = c.node(2);
        WriteReceipt r = a.submit(new Op.MapPut("m", "k", Value.utf8("v")), AckLevel.ALL);
        c.deliverAll(m -> m.to().equals(gone.id));
        assertThat(a.store.deltaCount()).isEqualTo(1);
        a.step(fx -> a.replicator.onPeerDown(gone.id, c.nowMs, fx));
        a.step(fx -> a.replicator.onPeerRemoved(gone.id, c.nowMs, fx));
        assertThat(a.store.deltaCount()).isZero();
        assertThat(a.store.acks()).doesNotContainKey(gone.id);
        c.advance(1000);
        a.tick();
        assertThat(a.completions).containsExactly(new dev.starling.node.replication.sim.StepEffects.Completion(
            r.writeId(), 1, false));
    }

    @Test
    void shouldAckNewWritesAboveAGapThatOnlyAntiEntropyCanFill() {
        TestCluster c = new TestCluster(2, ReplicatorConfig.local(), 5);
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        for (int i = 0; i < 50; i++) {
            a.submit(new Op.MapPut("m", "k" + i, Value.utf8("v" + i)), AckLevel.LOCAL);
        }
        c.up(b, a);
        c.up(a, b);
        java.util.function.Predicate<TestCluster.Message> noAntiEntropy = m -> m.type() >= MessageTypes.AE_SUMMARY
            && m.type() <= MessageTypes.AE_REQUEST;
        c.deliverAll(noAntiEntropy);
        // b got a's retained records 46..50 but not 1..45 (trimmed): its contiguous ack stays at 0
        assertThat(a.store.acks()).containsEntry(b.id, 0L);
        WriteReceipt w = a.submit(new Op.MapPut("m", "new", Value.utf8("x")), AckLevel.peers(1));
        c.deliverAll(noAntiEntropy);
        assertThat(a.completions).contains(new dev.starling.node.replication.sim.StepEffects.Completion(w.writeId(), 1, true));
        assertThat(b.replicator.peerPositions().get(a.id)[1]).isZero();
        // anti-entropy fills the gap; equal roots then move the contiguous position to the end
        c.advance(1000);
        a.tick();
        c.deliverAll();
        c.advance(1000);
        a.tick();
        c.deliverAll();
        assertThat(b.replicator.digest()).isEqualTo(a.replicator.digest());
        assertThat(a.store.acks()).containsEntry(b.id, 51L);
    }
}
