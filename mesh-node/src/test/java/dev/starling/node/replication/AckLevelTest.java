package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.LwwMap;
import dev.starling.node.Value;
import dev.starling.node.replication.sim.StepEffects;
import org.junit.jupiter.api.Test;

class AckLevelTest {

    private static Op put(String key) {
        return new Op.MapPut("m", key, Value.utf8("v"));
    }

    @Test
    void shouldCompleteWhenNPeersAcked() {
        TestCluster c = new TestCluster(3);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        WriteReceipt r = a.submit(put("k"), AckLevel.peers(2));
        assertThat(r.requiredPeers()).isEqualTo(2);
        assertThat(a.completions).isEmpty();
        c.deliverAll();
        assertThat(a.completions).containsExactly(new StepEffects.Completion(r.writeId(), 2, true));
    }

    @Test
    void shouldWaitForEveryPeerAliveAtTheWriteForAll() {
        TestCluster c = new TestCluster(3);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        WriteReceipt r = a.submit(put("k"), AckLevel.ALL);
        assertThat(r.requiredPeers()).isEqualTo(2);
        c.deliverAll(m -> m.to().equals(c.node(2).id));
        assertThat(a.completions).isEmpty();
        c.advance(c.config.resendIntervalMs());
        a.tick();
        c.deliverAll();
        assertThat(a.completions).containsExactly(new StepEffects.Completion(r.writeId(), 2, true));
    }

    @Test
    void shouldCompleteAllAtOnceWhenNoPeerIsAlive() {
        TestCluster c = new TestCluster(1);
        WriteReceipt r = c.node(0).submit(put("k"), AckLevel.ALL);
        assertThat(r.requiredPeers()).isZero();
        assertThat(c.node(0).completions).containsExactly(new StepEffects.Completion(r.writeId(), 0, true));
    }

    @Test
    void shouldTimeOutNotMetWithTheCountAndStillReachTheLatePeer() {
        TestCluster c = new TestCluster(3);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        TestCluster.Node late = c.node(2);
        WriteReceipt r = a.submit(put("k"), AckLevel.peers(2));
        c.deliverAll(m -> m.to().equals(late.id) || m.from().equals(late.id));
        c.advance(999);
        a.tick();
        c.queue.clear();
        assertThat(a.completions).isEmpty();
        c.advance(1);
        a.tick();
        c.queue.clear();
        assertThat(a.completions).containsExactly(new StepEffects.Completion(r.writeId(), 1, false));
        assertThat(a.replicator.stats().writesNotMet()).isEqualTo(1);
        // the write stays and replicates: the late peer gets it with the next resend
        c.advance(c.config.resendIntervalMs());
        a.tick();
        c.deliverAll();
        assertThat(((LwwMap<?, ?>) late.replicator.state(new ObjectKey(ObjectKind.MAP, "m"))).containsKey("k")).isTrue();
        assertThat(a.completions).hasSize(1);
    }

    @Test
    void shouldWaitUntilTheTimeoutWhenFewerPeersThanAskedAreAlive() {
        TestCluster c = new TestCluster(2);
        c.connectAll();
        c.deliverAll();
        TestCluster.Node a = c.node(0);
        WriteReceipt r = a.submit(put("k"), AckLevel.peers(3));
        c.deliverAll();
        assertThat(a.completions).isEmpty();
        assertThat(a.replicator.nextTickDeadlineMs()).isLessThanOrEqualTo(c.nowMs + 1000);
        c.advance(1000);
        a.tick();
        assertThat(a.completions).containsExactly(new StepEffects.Completion(r.writeId(), 1, false));
    }
}
