package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.node.Value;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AntiEntropyTest {

    private static long aeBytes(TestCluster c) {
        return c.nodes.stream().mapToLong(n -> n.replicator.stats().aeBytesSent()).sum();
    }

    private static long storedBytes(TestCluster.Node n) {
        AtomicLong sum = new AtomicLong();
        n.store.forEachObject((k, v) -> sum.addAndGet(v.length));
        return sum.get();
    }

    private static void assertSameState(TestCluster.Node a, TestCluster.Node b) {
        assertThat(b.replicator.digest()).isEqualTo(a.replicator.digest());
        assertThat(b.replicator.objects()).isEqualTo(a.replicator.objects());
        for (ObjectKey k : a.replicator.objects()) {
            assertThat(b.replicator.state(k)).as(k.toString()).isEqualTo(a.replicator.state(k));
        }
    }

    @Test
    void shouldBringANewEmptyReplicaUpToDateForAboutTheBytesOfTheData() {
        TestCluster c = new TestCluster(2, ReplicatorConfig.local(), 5);
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        for (int i = 0; i < 5000; i++) {
            a.submit(new Op.MapPut("docs", "key-" + i, Value.utf8("value-" + i)), AckLevel.LOCAL);
        }
        a.submit(new Op.SetUpdate("tags", List.of("x", "y", "z"), List.of()), AckLevel.LOCAL);
        a.submit(new Op.CounterAdd("n", 42), AckLevel.LOCAL);
        a.submit(new Op.RegisterWrite(ObjectKind.REGISTER_UNION, "r", Value.utf8("[1]")), AckLevel.LOCAL);
        c.up(b, a);
        c.up(a, b);
        c.deliverAll();
        assertSameState(a, b);
        long data = storedBytes(a);
        long cost = aeBytes(c) + a.replicator.stats().deltaBytesSent();
        System.out.printf("new replica: %d entries, %d bytes of entries, %d bytes exchanged (%.2fx)%n",
            a.replicator.digest().entries(), data, cost, cost / (double) data);
        assertThat(cost).isLessThan(data * 3 / 2);
    }

    @Test
    void shouldExchangeOnlyTheDivergentEntriesAfterAPartition() {
        TestCluster c = new TestCluster(2, ReplicatorConfig.local(), 10);
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        c.connectAll();
        c.deliverAll();
        for (int i = 0; i < 20_000; i++) {
            a.submit(new Op.MapPut("docs", "key-" + i, Value.utf8("value-" + i)), AckLevel.LOCAL);
        }
        c.deliverAll();
        assertSameState(a, b);
        // partition: each side changes 100 keys (and b removes 20); the logs keep only 10 deltas
        a.step(fx -> a.replicator.onPeerDown(b.id, c.nowMs, fx));
        b.step(fx -> b.replicator.onPeerDown(a.id, c.nowMs, fx));
        c.advance(10);
        for (int i = 0; i < 100; i++) {
            a.submit(new Op.MapPut("docs", "key-" + (i * 97), Value.utf8("a-" + i)), AckLevel.LOCAL);
            b.submit(new Op.MapPut("docs", "key-" + (i * 89 + 1), Value.utf8("b-" + i)), AckLevel.LOCAL);
        }
        for (int i = 0; i < 20; i++) {
            b.submit(new Op.MapRemove("docs", "key-" + (i * 101 + 3)), AckLevel.LOCAL);
        }
        c.queue.clear();
        long divergent = 0;
        for (int i = 0; i < 100; i++) {
            divergent += entryBytes(a, "key-" + (i * 97)) + entryBytes(b, "key-" + (i * 89 + 1));
        }
        for (int i = 0; i < 20; i++) {
            divergent += entryBytes(b, "key-" + (i * 101 + 3));
        }
        c.advance(1000);
        long before = aeBytes(c);
        c.bytesByType.clear();
        c.messagesByType.clear();
        c.step(a, b);
        assertSameState(a, b);
        long cost = aeBytes(c) - before;
        System.out.printf("partition: 20000 keys, 220 divergent (%d bytes), anti-entropy %d bytes (%.2fx)%n", divergent,
            cost, cost / (double) divergent);
        // measured 2.9x (docs/replication.md): the walk ~1.3x, entries ~1.6x (an entry that differs crosses
        // twice when the side comparing the lists holds the older version)
        assertThat(cost).isLessThan(divergent * 3);
    }

    private static long entryBytes(TestCluster.Node n, String key) {
        ObjectKey docs = new ObjectKey(ObjectKind.MAP, "docs");
        byte[] stored = n.store.objectBytes(EntryCodec.storeKey(docs, key));
        return stored.length;
    }

    @Test
    void shouldSettleEqualReplicasInOneSmallRoundTrip() {
        TestCluster c = new TestCluster(2);
        c.connectAll();
        c.deliverAll();
        for (int i = 0; i < 1000; i++) {
            c.node(i % 2).submit(new Op.MapPut("m", "k" + i, Value.utf8("v")), AckLevel.LOCAL);
        }
        c.deliverAll();
        c.advance(1000);
        long before = aeBytes(c);
        c.messagesByType.clear();
        c.node(0).tick();
        c.deliverAll();
        // a summary and its reply, and an ack each way (equal roots confirm the positions)
        assertThat(c.messagesByType).containsOnlyKeys(MessageTypes.AE_SUMMARY, MessageTypes.DELTA_ACK)
            .containsEntry(MessageTypes.AE_SUMMARY, 2L).containsEntry(MessageTypes.DELTA_ACK, 2L);
        assertThat(aeBytes(c) - before).isLessThan(100);
    }
}
