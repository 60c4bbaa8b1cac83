package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.Hlc;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.ObjectKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nodes in this JVM on loopback: SWIM membership, the authenticated data plane, LMDB stores
 * and the replica agents, driven through the embedded API and checked against a reference model
 * of the CRDT semantics.
 */
class MeshTest {

    @TempDir
    Path tmp;

    /** What was written, for the reference model: per map key the write with the highest HLC. */
    private static final class Model {
        final Map<String, Hlc> mapHlc = new ConcurrentHashMap<>();
        final Map<String, String> mapValue = new ConcurrentHashMap<>();
        final Map<String, Set<String>> ownElements = new ConcurrentHashMap<>();
        long counter;
        Hlc registerHlc;
        String registerValue;

        synchronized void map(String key, String value, Hlc hlc) {
            Hlc old = mapHlc.get(key);
            if (old == null || hlc.compareTo(old) > 0) {
                mapHlc.put(key, hlc);
                if (value == null) {
                    mapValue.remove(key);
                } else {
                    mapValue.put(key, value);
                }
            }
        }

        synchronized void register(String value, Hlc hlc) {
            if (registerHlc == null || hlc.compareTo(registerHlc) > 0) {
                registerHlc = hlc;
                registerValue = value;
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldConvergeToTheModelAfterConcurrentWritesOnFiveNodes() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 5)) {
            Model model = new Model();
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int w = 0; w < cluster.nodes.size(); w++) {
                Node node = cluster.nodes.get(w);
                long seed = 1000 + w;
                Thread t = new Thread(() -> {
                    try {
                        writeRandomly(node, new Random(seed), 400, model);
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "writer-" + w);
                writers.add(t);
                t.start();
            }
            for (Thread t : writers) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
            assertThat(failures).isEmpty();

            String root = cluster.awaitConverged();
            assertThat(root).isNotBlank();
            Set<String> expectedElements = new HashSet<>();
            model.ownElements.values().forEach(expectedElements::addAll);
            for (Node node : cluster.nodes) {
                MapHandle map = node.map("config");
                assertThat(map.toMap()).as(node.name()).hasSameSizeAs(model.mapValue);
                model.mapValue.forEach((k, v) -> assertThat(map.get(k, ValueType.UTF8)).as(node.name() + " " + k).isEqualTo(v));
                assertThat(new HashSet<>(node.set("tasks").elements())).as(node.name()).isEqualTo(expectedElements);
                assertThat(node.counter("events").value()).as(node.name()).isEqualTo(model.counter);
                assertThat(node.register("mode", ObjectKind.REGISTER_LWW).latest(ValueType.UTF8)).as(node.name())
                    .isEqualTo(model.registerValue);
            }
        }
    }

    private static void writeRandomly(Node node, Random random, int writes, Model model) throws Exception {
        MapHandle map = node.map("config");
        SetHandle set = node.set("tasks");
        CounterHandle counter = node.counter("events");
        RegisterHandle register = node.register("mode", ObjectKind.REGISTER_LWW);
        Set<String> mine = model.ownElements.computeIfAbsent(node.name(), k -> ConcurrentHashMap.newKeySet());
        List<String> added = new ArrayList<>();
        List<CompletableFuture<WriteResult>> inFlight = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            int op = random.nextInt(10);
            if (op < 4) {
                String key = "k" + random.nextInt(50);
                String value = node.name() + "-" + i;
                WriteResult r = map.put(key, Value.utf8(value)).get(10, TimeUnit.SECONDS);
                model.map(key, value, r.hlc());
            } else if (op < 5) {
                String key = "k" + random.nextInt(50);
                WriteResult r = map.remove(key).get(10, TimeUnit.SECONDS);
                model.map(key, null, r.hlc());
            } else if (op < 7) {
                String element = node.name() + "/e" + i;
                set.add(element).get(10, TimeUnit.SECONDS);
                added.add(element);
                mine.add(element);
            } else if (op < 8 && !added.isEmpty()) {
                String element = added.remove(random.nextInt(added.size()));
                set.remove(element).get(10, TimeUnit.SECONDS);
                mine.remove(element);
            } else if (op < 9) {
                long amount = random.nextInt(21) - 10;
                counter.add(amount).get(10, TimeUnit.SECONDS);
                synchronized (model) {
                    model.counter += amount;
                }
            } else {
                String value = node.name() + "-mode-" + i;
                WriteResult r = register.write(Value.utf8(value)).get(10, TimeUnit.SECONDS);
                model.register(value, r.hlc());
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldCatchUpALateJoinerAndKeepDataAcrossACleanRestart() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3)) {
            Node a = cluster.nodes.get(0);
            List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                writes.add(a.map("inventory").put("item-" + i, Value.utf8("v" + i)));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            a.counter("c").add(5).get(10, TimeUnit.SECONDS);
            String before = cluster.awaitConverged();

            Node late = cluster.add("late");
            cluster.awaitAllAlive();
            assertThat(cluster.awaitConverged()).isEqualTo(before);
            assertThat(late.map("inventory").size()).isEqualTo(2_000);
            assertThat(late.counter("c").value()).isEqualTo(5);

            Node b = cluster.nodes.get(1);
            String bName = b.name();
            var bId = b.replicaId();
            b.close();
            a.map("inventory").put("while-b-was-away", Value.utf8("x")).get(10, TimeUnit.SECONDS);
            Node b2 = cluster.add(bName);
            assertThat(b2.replicaId()).isEqualTo(bId);
            assertThat(b2.map("inventory").get("item-1999", ValueType.UTF8)).isEqualTo("v1999");
            cluster.awaitAllAlive();
            cluster.awaitConverged();
            assertThat(b2.map("inventory").get("while-b-was-away", ValueType.UTF8)).isEqualTo("x");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepServingBothSidesOfAPartitionAndConvergeAfterTheHeal() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 5)) {
            List<Node> nodes = cluster.nodes;
            Set<dev.starling.crdt.ReplicaId> minority = Set.of(nodes.get(3).replicaId(), nodes.get(4).replicaId());
            cluster.faults.isolate(minority);
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                WriteResult r = n.map("doc").put("from-" + n.name(), Value.utf8("p" + i)).get(10, TimeUnit.SECONDS);
                assertThat(r.confirmed()).isTrue();
                n.counter("hits").add(1).get(10, TimeUnit.SECONDS);
            }
            // Reads on both sides see their own side's writes while cut off.
            Await.until(() -> nodes.get(3).map("doc").get("from-n4") != null, TestCluster.CONVERGE);
            Await.until(() -> nodes.get(0).map("doc").get("from-n2") != null, TestCluster.CONVERGE);
            assertThat(nodes.get(0).map("doc").get("from-n3")).isNull();
            assertThat(nodes.get(4).map("doc").get("from-n0")).isNull();

            cluster.faults.clear();
            cluster.awaitAllAlive();
            cluster.awaitConverged();
            for (Node n : nodes) {
                assertThat(n.map("doc").size()).as(n.name()).isEqualTo(5);
                assertThat(n.counter("hits").value()).as(n.name()).isEqualTo(5);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldHealByItselfAfterAPartitionLongerThanFailureDetectionAndRemoval() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 4)) {
            List<Node> nodes = cluster.nodes;
            // The side without the seed (node 0) is cut off until both sides have removed each other.
            Set<dev.starling.crdt.ReplicaId> side = Set.of(nodes.get(2).replicaId(), nodes.get(3).replicaId());
            cluster.faults.isolate(side);
            Await.until(() -> nodes.stream().allMatch(n -> TestCluster.alive(n).size() == 2
                    && n.members().size() == 2), TestCluster.CONVERGE,
                () -> "each side removed the other: " + nodes.stream().map(n -> n.name() + "=" + n.members()).toList());
            nodes.get(0).map("during").put("left", Value.utf8("a")).get(10, TimeUnit.SECONDS);
            nodes.get(3).map("during").put("right", Value.utf8("b")).get(10, TimeUnit.SECONDS);

            cluster.faults.clear();
            cluster.awaitAllAlive();
            cluster.awaitConverged();
            for (Node n : nodes) {
                assertThat(n.map("during").toMap()).as(n.name()).containsOnlyKeys("left", "right");
                assertThat(n.members()).as(n.name()).hasSize(4);
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldReportAllNotConfirmedWithAPeerDownAndStillDeliverItLater() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3)) {
            Node a = cluster.nodes.get(0);
            Node c = cluster.nodes.get(2);
            WriteResult ok = a.map("m").put("k0", Value.utf8("all-up"), AckLevel.ALL, Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
            assertThat(ok.confirmed()).isTrue();
            assertThat(ok.acked()).isEqualTo(2);

            cluster.faults.isolate(Set.of(c.replicaId()));
            long start = System.nanoTime();
            WriteResult late = a.map("m").put("k1", Value.utf8("c-down"), AckLevel.ALL, Duration.ofMillis(500))
                .get(10, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(late.confirmed()).isFalse();
            assertThat(late.acked()).isEqualTo(1);
            assertThat(tookMs).as("returned around its timeout").isLessThan(5_000);
            assertThat(c.map("m").get("k1")).isNull();

            cluster.faults.clear();
            Await.until(() -> c.map("m").get("k1") != null, TestCluster.CONVERGE);
            assertThat(c.map("m").get("k1", ValueType.UTF8)).isEqualTo("c-down");
        }
    }
}
