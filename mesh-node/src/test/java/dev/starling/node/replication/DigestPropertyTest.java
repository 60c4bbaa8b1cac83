package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.node.Value;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class DigestPropertyTest {

    private static boolean sameState(TestCluster.Node a, TestCluster.Node b) {
        if (!a.replicator.objects().equals(b.replicator.objects())) {
            return false;
        }
        for (ObjectKey k : a.replicator.objects()) {
            if (!a.replicator.state(k).equals(b.replicator.state(k))) {
                return false;
            }
        }
        return true;
    }

    private static Op op(Random r) {
        switch (r.nextInt(5)) {
            case 0:
                return new Op.MapPut("m", "k" + r.nextInt(6), Value.utf8("v" + r.nextInt(3)));
            case 1:
                return new Op.MapRemove("m", "k" + r.nextInt(6));
            case 2:
                return new Op.SetUpdate("s", List.of("e" + r.nextInt(4)), r.nextBoolean() ? List.of("e" + r.nextInt(4)) : List.of());
            case 3:
                return new Op.CounterAdd("c", r.nextInt(5) - 2);
            default:
                return new Op.RegisterWrite(ObjectKind.REGISTER_SIBLINGS, "r", Value.utf8("" + r.nextInt(3)));
        }
    }

    @Property(tries = 150)
    void shouldHaveEqualDigestsExactlyWhenStatesAreEqual(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int ops,
            @ForAll @IntRange(min = 0, max = 100) int deliverPercent) {
        Random r = new Random(seed);
        TestCluster c = new TestCluster(3);
        c.connectAll();
        c.deliverAll();
        for (int i = 0; i < ops; i++) {
            c.node(r.nextInt(3)).submit(op(r), AckLevel.LOCAL);
            c.advance(r.nextInt(3));
        }
        c.queue.removeIf(m -> m.type() != MessageTypes.DELTAS);
        c.deliverAll(m -> r.nextInt(100) >= deliverPercent || m.type() != MessageTypes.DELTAS);
        for (TestCluster.Node a : c.nodes) {
            for (TestCluster.Node b : c.nodes) {
                boolean digests = a.replicator.digest().equals(b.replicator.digest());
                assertThat(digests).as("digest equality of %s and %s", a.id, b.id).isEqualTo(sameState(a, b));
            }
        }
        // a restart rebuilds the same digest from the store
        TestCluster.Node n = c.node(r.nextInt(3));
        Digest before = n.replicator.digest();
        n.restart();
        assertThat(n.replicator.digest()).isEqualTo(before);
    }
}
