package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.starling.node.Value;
import org.junit.jupiter.api.Test;

/**
 * The figure: a partition during which {@code ae.divergent} of {@code ae.keys} keys diverged,
 * repaired by anti-entropy alone (the delta logs hold 1000 entries, so resends cannot carry it).
 * Long: runs only with {@code -Dae.large=true} (defaults 1,000,000 keys, 10,000 divergent; about a
 * minute and 3 GB of heap for the two replicas and their in-memory stores).
 */
class AntiEntropyScaleTest {

    @Test
    void shouldRepairAPartitionOfAMillionKeysForAboutTheDivergentBytes() {
        assumeTrue(Boolean.getBoolean("ae.large"), "long run: -Dae.large=true");
        int keys = Integer.getInteger("ae.keys", 1_000_000);
        int divergent = Integer.getInteger("ae.divergent", 10_000);
        TestCluster c = new TestCluster(2, ReplicatorConfig.lan(), 1000);
        TestCluster.Node a = c.node(0);
        TestCluster.Node b = c.node(1);
        long t0 = System.nanoTime();
        for (int i = 0; i < keys; i++) {
            a.submit(new Op.MapPut("docs", "key-" + i, Value.utf8("value-" + i)), AckLevel.LOCAL);
        }
        long t1 = System.nanoTime();
        c.up(b, a);
        c.up(a, b);
        c.deliverAll();
        long t2 = System.nanoTime();
        assertThat(b.replicator.digest()).isEqualTo(a.replicator.digest());
        long catchUp = c.bytes;
        System.out.printf("scale: %d keys written in %.1f s; an empty replica caught up in %.1f s with %d bytes%n", keys,
            (t1 - t0) / 1e9, (t2 - t1) / 1e9, catchUp);

        a.step(fx -> a.replicator.onPeerDown(b.id, c.nowMs, fx));
        b.step(fx -> b.replicator.onPeerDown(a.id, c.nowMs, fx));
        c.advance(60_000);
        long divergentBytes = 0;
        int step = keys / divergent;
        for (int i = 0; i < divergent; i++) {
            TestCluster.Node n = i % 2 == 0 ? a : b;
            String key = "key-" + (i * step);
            n.submit(new Op.MapPut("docs", key, Value.utf8("changed-" + i)), AckLevel.LOCAL);
            divergentBytes += n.store.objectBytes(EntryCodec.storeKey(new ObjectKey(ObjectKind.MAP, "docs"), key)).length;
        }
        c.queue.clear();
        c.advance(60_000);
        long before = c.bytes;
        long t3 = System.nanoTime();
        int rounds = 0;
        while (!b.replicator.digest().equals(a.replicator.digest()) && rounds < 5) {
            // a round can miss a divergent bucket whose 16-bit fold collides (p = 2^-16 per comparison);
            // the next round, with another salt, finds it
            c.step(a, b);
            c.advance(1000);
            rounds++;
        }
        long t4 = System.nanoTime();
        assertThat(b.replicator.digest()).isEqualTo(a.replicator.digest());
        long cost = c.bytes - before;
        System.out.printf("scale: partition with %d of %d keys divergent (%d bytes of entries): anti-entropy %d bytes"
            + " (%.2fx) in %d rounds, %.2f s of processing (both replicas, one thread)%n", divergent, keys, divergentBytes,
            cost, cost / (double) divergentBytes, rounds, (t4 - t3) / 1e9);
    }
}
