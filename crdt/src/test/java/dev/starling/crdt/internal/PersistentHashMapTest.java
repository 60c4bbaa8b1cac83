package dev.starling.crdt.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

class PersistentHashMapTest {

    /** Full hash collisions in seven buckets: exercises collision nodes under deep chains. */
    record Collider(int value) {
        @Override
        public int hashCode() {
            return value % 7;
        }
    }

    /**
     * Four distinct hashes whose spread forms ({@code x << 30}) agree on every bit below the last
     * trie level, so paths run the whole depth before splitting, and keys collide fully within a
     * bucket.
     */
    record DeepKey(int value) {
        @Override
        public int hashCode() {
            int x = value & 3;
            return (x << 30) | (x << 14);
        }
    }

    enum Kind { PUT, REMOVE, GET }

    record Op(Kind kind, Object key, Integer value) {}

    record Snapshot(PersistentHashMap<Object, Integer> map, Map<Object, Integer> model) {}

    // ---------------------------------------------------------------------------------------------
    // Model-based fuzzer
    // ---------------------------------------------------------------------------------------------

    @Property(tries = 200)
    void shouldAgreeWithHashMapModelAndKeepOldVersions(@ForAll("operations") List<Op> ops) {
        PersistentHashMap<Object, Integer> map = PersistentHashMap.empty();
        Map<Object, Integer> model = new HashMap<>();
        List<Snapshot> snapshots = new ArrayList<>();
        int step = 0;
        for (Op op : ops) {
            PersistentHashMap<Object, Integer> before = map;
            Object key = op.key();
            Integer previous = model.get(key);
            switch (op.kind()) {
                case PUT -> {
                    map = map.put(key, op.value());
                    model.put(key, op.value());
                    if (previous == op.value()) {
                        assertThat(map).isSameAs(before);
                    } else {
                        assertThat(map).isNotSameAs(before);
                    }
                    assertThat(map.get(key)).isSameAs(op.value());
                    assertThat(map.containsKey(key)).isTrue();
                }
                case REMOVE -> {
                    map = map.remove(key);
                    model.remove(key);
                    if (previous == null) {
                        assertThat(map).isSameAs(before);
                    } else {
                        assertThat(map).isNotSameAs(before);
                    }
                    assertThat(map.get(key)).isNull();
                    assertThat(map.containsKey(key)).isFalse();
                }
                case GET -> {
                    assertThat(map.get(key)).isSameAs(previous);
                    assertThat(map.containsKey(key)).isEqualTo(previous != null);
                }
            }
            assertThat(map.size()).isEqualTo(model.size());
            assertThat(map.isEmpty()).isEqualTo(model.isEmpty());
            // The previous version must not have observed the update.
            assertThat(before.get(key)).isSameAs(previous);

            if (++step % 128 == 0) {
                map.checkInvariants();
                snapshots.add(new Snapshot(map, new HashMap<>(model)));
                if (snapshots.size() > 8) {
                    snapshots.remove(1); // keep the oldest one and the most recent ones
                }
            }
        }
        assertMatches(map, model, new Random(ops.size()));
        for (Snapshot snapshot : snapshots) {
            assertMatches(snapshot.map(), snapshot.model(), new Random(step));
        }
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                Tuple.of(5, Kind.PUT), Tuple.of(3, Kind.REMOVE), Tuple.of(2, Kind.GET));
        Arbitrary<Integer> values = Arbitraries.integers().between(0, 300);
        return Combinators.combine(kinds, keys(), values)
                .as(Op::new)
                .list()
                .ofMaxSize(2000)
                .withSizeDistribution(RandomDistribution.uniform());
    }

    private static Arbitrary<Object> keys() {
        Arbitrary<Object> small = Arbitraries.integers().between(0, 400).map(i -> i);
        Arbitrary<Object> colliders = Arbitraries.integers().between(0, 60).map(Collider::new);
        Arbitrary<Object> deep = Arbitraries.integers().between(0, 24).map(DeepKey::new);
        Arbitrary<Object> wide = Arbitraries.integers().map(i -> i);
        return Arbitraries.frequencyOf(
                Tuple.of(5, small), Tuple.of(3, colliders), Tuple.of(2, deep), Tuple.of(1, wide));
    }

    /** Full-content check of {@code map} against {@code model}, through every read path. */
    private static void assertMatches(
            PersistentHashMap<Object, Integer> map, Map<Object, Integer> model, Random random) {
        assertThat(map.size()).isEqualTo(model.size());
        assertThat(map.isEmpty()).isEqualTo(model.isEmpty());
        map.checkInvariants();

        Map<Object, Integer> iterated = new HashMap<>();
        for (Map.Entry<Object, Integer> entry : map) {
            assertThat(iterated.put(entry.getKey(), entry.getValue()))
                    .as("key %s yielded twice", entry.getKey())
                    .isNull();
        }
        assertThat(iterated).isEqualTo(model);

        Map<Object, Integer> visited = new HashMap<>();
        map.forEach((k, v) -> assertThat(visited.put(k, v)).as("key %s visited twice", k).isNull());
        assertThat(visited).isEqualTo(model);

        assertThat(map.toMap()).isEqualTo(model);
        model.forEach((k, v) -> {
            assertThat(map.get(k)).isSameAs(v);
            assertThat(map.containsKey(k)).isTrue();
        });
        assertThat(map.hashCode()).isEqualTo(model.hashCode());

        List<Map.Entry<Object, Integer>> entries = new ArrayList<>(model.entrySet());
        Collections.shuffle(entries, random);
        PersistentHashMap<Object, Integer> rebuilt = PersistentHashMap.empty();
        for (Map.Entry<Object, Integer> entry : entries) {
            rebuilt = rebuilt.put(entry.getKey(), entry.getValue());
        }
        assertThat(rebuilt).isEqualTo(map);
        assertThat(map).isEqualTo(rebuilt);
        assertThat(rebuilt.hashCode()).isEqualTo(map.hashCode());
    }

    // ---------------------------------------------------------------------------------------------
    // Equality and hashCode
    // ---------------------------------------------------------------------------------------------

    @Property(tries = 100)
    void shouldBeEqualRegardlessOfInsertionOrderAndHistory(@ForAll long seed) {
        Random random = new Random(seed);
        Map<Object, Integer> content = new HashMap<>();
        int n = random.nextInt(1500);
        while (content.size() < n) {
            content.put(randomKey(random), random.nextInt(1000));
        }
        List<Map.Entry<Object, Integer>> entries = new ArrayList<>(content.entrySet());

        PersistentHashMap<Object, Integer> inOrder = PersistentHashMap.empty();
        for (Map.Entry<Object, Integer> e : entries) {
            inOrder = inOrder.put(e.getKey(), e.getValue());
        }
        PersistentHashMap<Object, Integer> reversed = PersistentHashMap.empty();
        for (int i = entries.size() - 1; i >= 0; i--) {
            reversed = reversed.put(entries.get(i).getKey(), entries.get(i).getValue());
        }
        PersistentHashMap<Object, Integer> noisy = withNoisyHistory(entries, random);

        for (PersistentHashMap<Object, Integer> other : List.of(reversed, noisy)) {
            other.checkInvariants();
            assertThat(other).isEqualTo(inOrder);
            assertThat(inOrder).isEqualTo(other);
            assertThat(other.hashCode()).isEqualTo(inOrder.hashCode()).isEqualTo(content.hashCode());
        }

        if (!entries.isEmpty()) {
            Map.Entry<Object, Integer> victim = entries.get(random.nextInt(entries.size()));
            PersistentHashMap<Object, Integer> changedValue =
                    noisy.put(victim.getKey(), victim.getValue() + 1);
            assertThat(changedValue).isNotEqualTo(inOrder);
            assertThat(inOrder).isNotEqualTo(changedValue);

            Object absent = randomKey(random);
            while (content.containsKey(absent)) {
                absent = randomKey(random);
            }
            PersistentHashMap<Object, Integer> swappedKey =
                    noisy.remove(victim.getKey()).put(absent, victim.getValue());
            assertThat(swappedKey.size()).isEqualTo(inOrder.size());
            assertThat(swappedKey).isNotEqualTo(inOrder);
            assertThat(inOrder).isNotEqualTo(swappedKey);
            assertThat(noisy.remove(victim.getKey())).isNotEqualTo(inOrder);
        }
    }

    /**
     * Builds the same content through shuffled inserts interleaved with transient keys that are
     * later removed and with values that are later overwritten.
     */
    private static PersistentHashMap<Object, Integer> withNoisyHistory(
            List<Map.Entry<Object, Integer>> entries, Random random) {
        Map<Object, Integer> wanted = new HashMap<>();
        entries.forEach(e -> wanted.put(e.getKey(), e.getValue()));
        List<Map.Entry<Object, Integer>> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, random);
        List<Object> transients = new ArrayList<>();
        PersistentHashMap<Object, Integer> map = PersistentHashMap.empty();
        for (Map.Entry<Object, Integer> e : shuffled) {
            if (random.nextInt(3) == 0) {
                Object extra = randomKey(random);
                if (!wanted.containsKey(extra)) {
                    map = map.put(extra, -1);
                    transients.add(extra);
                }
            }
            if (random.nextInt(4) == 0) {
                map = map.put(e.getKey(), e.getValue() - 7);
            }
            map = map.put(e.getKey(), e.getValue());
        }
        Collections.shuffle(transients, random);
        for (Object extra : transients) {
            map = map.remove(extra);
        }
        return map;
    }

    private static Object randomKey(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(5000);
            case 1 -> new Collider(random.nextInt(200));
            case 2 -> new DeepKey(random.nextInt(40));
            default -> random.nextInt();
        };
    }

    @Test
    void shouldBeEqualWhenCollisionNodesWereFilledInDifferentOrders() {
        PersistentHashMap<Object, String> forward = PersistentHashMap.empty();
        PersistentHashMap<Object, String> backward = PersistentHashMap.empty();
        for (int i = 0; i < 10; i++) {
            forward = forward.put(new Collider(i * 7), "v" + i);
            backward = backward.put(new Collider((9 - i) * 7), "v" + (9 - i));
        }
        assertThat(forward).isEqualTo(backward);
        assertThat(forward.hashCode()).isEqualTo(backward.hashCode());
        assertThat(forward.put(new Collider(0), "other")).isNotEqualTo(backward);
    }

    @Test
    void shouldEqualEmptyAfterRemovingEverything() {
        PersistentHashMap<Object, Integer> map = PersistentHashMap.<Object, Integer>empty()
                .put("a", 1)
                .put(new Collider(3), 2)
                .put(new Collider(10), 3)
                .put(new DeepKey(1), 4)
                .put(new DeepKey(5), 5);
        map = map.remove(new DeepKey(5)).remove("a").remove(new Collider(3)).remove(new DeepKey(1));
        map.checkInvariants();
        assertThat(map.size()).isEqualTo(1);
        assertThat(map).isEqualTo(PersistentHashMap.<Object, Integer>empty().put(new Collider(10), 3));
        map = map.remove(new Collider(10));
        assertThat(map).isEqualTo(PersistentHashMap.empty());
        assertThat(map.hashCode()).isZero();
    }

    @Test
    void shouldNotEqualOtherTypes() {
        PersistentHashMap<String, Integer> map = PersistentHashMap.<String, Integer>empty().put("a", 1);
        assertThat(map.equals(Map.of("a", 1))).isFalse();
        assertThat(map.equals(null)).isFalse();
        assertThat(map.equals(map)).isTrue();
        assertThat(map.hashCode()).isEqualTo(Map.of("a", 1).hashCode());
    }

    // ---------------------------------------------------------------------------------------------
    // Identity-preserving updates
    // ---------------------------------------------------------------------------------------------

    @Test
    void shouldReturnSameInstanceWhenPuttingIdenticalValue() {
        String value = "value";
        PersistentHashMap<Object, String> map = PersistentHashMap.<Object, String>empty()
                .put("k", value)
                .put(new Collider(1), value)
                .put(new Collider(8), value);
        assertThat(map.put("k", value)).isSameAs(map);
        assertThat(map.put(new Collider(8), value)).isSameAs(map);

        String equalCopy = new String(value);
        PersistentHashMap<Object, String> replaced = map.put("k", equalCopy);
        assertThat(replaced).isNotSameAs(map).isEqualTo(map);
        assertThat(replaced.get("k")).isSameAs(equalCopy);
        assertThat(replaced.size()).isEqualTo(map.size());
        assertThat(map.get("k")).isSameAs(value);
    }

    @Test
    void shouldReturnSameInstanceWhenRemovingAbsentKey() {
        PersistentHashMap<Object, Integer> map = PersistentHashMap.<Object, Integer>empty()
                .put(1, 1)
                .put(new Collider(0), 2)
                .put(new Collider(7), 3);
        assertThat(map.remove(2)).isSameAs(map);                 // empty branch
        assertThat(map.remove(new Collider(1))).isSameAs(map);   // branch holds another key (Integer 1)
        assertThat(map.remove(new Collider(14))).isSameAs(map);  // same hash, missing from collision node
        assertThat(map.remove(0)).isSameAs(map);                 // same hash, different type
        PersistentHashMap<Object, Integer> empty = PersistentHashMap.empty();
        assertThat(empty.remove("x")).isSameAs(empty);
    }

    // ---------------------------------------------------------------------------------------------
    // Scale
    // ---------------------------------------------------------------------------------------------

    @Test
    void shouldEndEmptyAfterInserting200kKeysAndRemovingThemAll() {
        int n = 200_000;
        PersistentHashMap<Integer, Integer> map = PersistentHashMap.empty();
        for (int i = 0; i < n; i++) {
            map = map.put(i, i);
        }
        assertThat(map.size()).isEqualTo(n);
        map.checkInvariants();
        PersistentHashMap<Integer, Integer> full = map;
        for (int i = 0; i < n; i += 997) {
            assertThat(map.get(i)).isEqualTo(i);
        }
        assertThat(map.get(n)).isNull();

        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(42));
        for (int k : order) {
            map = map.remove(k);
        }
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.size()).isZero();
        assertThat(map).isEqualTo(PersistentHashMap.empty());
        assertThat(map.hashCode()).isZero();
        assertThat(map.iterator().hasNext()).isFalse();
        map.checkInvariants();

        assertThat(full.size()).isEqualTo(n);
        assertThat(full.get(n - 1)).isEqualTo(n - 1);
    }

    @Test
    void shouldNotAllocateOnGet() {
        java.lang.management.ThreadMXBean platform = ManagementFactory.getThreadMXBean();
        assumeTrue(platform instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) platform;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        PersistentHashMap<Object, Integer> map = PersistentHashMap.empty();
        Object[] probes = new Object[20_000];
        for (int i = 0; i < probes.length; i++) {
            Object key = switch (i % 4) {
                case 0 -> i * 31;
                case 1 -> new Collider(i);
                case 2 -> new DeepKey(i);
                default -> i * 0x9E3779B9;
            };
            probes[i] = key;
            if (i % 3 != 0) { // a third of the probes miss
                map = map.put(key, i);
            }
        }
        long hits = 0;
        for (int round = 0; round < 20; round++) { // warm up, so the measured loop runs compiled
            hits += countHits(map, probes);
        }
        threads.getCurrentThreadAllocatedBytes();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int round = 0; round < 10; round++) {
            hits += countHits(map, probes);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(hits).isPositive();
        assertThat(allocated).as("bytes allocated by %s gets", 10L * probes.length).isLessThan(1024);
    }

    @Test
    void shouldCopyOnlyThePathWhenUpdatingAMillionEntryMap() {
        java.lang.management.ThreadMXBean platform = ManagementFactory.getThreadMXBean();
        assumeTrue(platform instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) platform;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());

        int n = 1_000_000;
        PersistentHashMap<Integer, Integer> map = PersistentHashMap.empty();
        for (int i = 0; i < n; i++) {
            map = map.put(i * 0x9E3779B9, i); // scattered hashes, so the trie is about four levels deep
        }
        Integer key = 12_345_677;
        Integer value = 1;
        assertThat(map.containsKey(key)).isFalse();
        threads.getCurrentThreadAllocatedBytes();

        long start = threads.getCurrentThreadAllocatedBytes();
        PersistentHashMap<Integer, Integer> added = map.put(key, value);
        long afterPut = threads.getCurrentThreadAllocatedBytes();
        PersistentHashMap<Integer, Integer> removed = added.remove(key);
        long afterRemove = threads.getCurrentThreadAllocatedBytes();

        // A full copy would take megabytes; the path is a handful of nodes of at most 32 slots.
        assertThat(afterPut - start).as("bytes allocated by put").isLessThan(4096);
        assertThat(afterRemove - afterPut).as("bytes allocated by remove").isLessThan(4096);
        assertThat(added.size()).isEqualTo(n + 1);
        assertThat(removed.size()).isEqualTo(n);
        assertThat(map.get(key)).isNull();
        assertThat(removed).isEqualTo(map);
    }

    private static int countHits(PersistentHashMap<Object, Integer> map, Object[] probes) {
        int hits = 0;
        for (Object probe : probes) {
            if (map.get(probe) != null) {
                hits++;
            }
        }
        return hits;
    }

    // ---------------------------------------------------------------------------------------------
    // Contract details
    // ---------------------------------------------------------------------------------------------

    @Test
    void shouldRejectNullKeysAndValues() {
        PersistentHashMap<Object, Object> map = PersistentHashMap.empty().put("a", 1);
        assertThatThrownBy(() -> map.put(null, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.put("b", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.put("a", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.containsKey(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> map.remove(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldIterateImmutableEntriesAndThenStop() {
        PersistentHashMap<String, Integer> map =
                PersistentHashMap.<String, Integer>empty().put("a", 1).put("b", 2);
        Iterator<Map.Entry<String, Integer>> it = map.iterator();
        Map.Entry<String, Integer> first = it.next();
        assertThatThrownBy(() -> first.setValue(5)).isInstanceOf(UnsupportedOperationException.class);
        it.next();
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        assertThat(PersistentHashMap.empty().iterator().hasNext()).isFalse();
    }

    @Test
    void shouldReturnIndependentMutableCopyFromToMap() {
        PersistentHashMap<String, Integer> map = PersistentHashMap.<String, Integer>empty().put("a", 1);
        Map<String, Integer> copy = map.toMap();
        copy.put("b", 2);
        assertThat(copy).isInstanceOf(HashMap.class).containsEntry("a", 1).containsEntry("b", 2);
        assertThat(map.toMap()).isEqualTo(Map.of("a", 1)).isNotSameAs(map.toMap());
    }

    @Test
    void shouldFormatLikeJavaUtilMaps() {
        assertThat(PersistentHashMap.empty()).hasToString("{}");
        assertThat(PersistentHashMap.empty().put("a", 1)).hasToString("{a=1}");
        String two = PersistentHashMap.empty().put("a", 1).put("b", 2).toString();
        assertThat(two).isIn("{a=1, b=2}", "{b=2, a=1}");
    }

    @Test
    void shouldShareTheEmptySingleton() {
        assertThat(PersistentHashMap.<String, String>empty())
                .isSameAs(PersistentHashMap.<Integer, Integer>empty());
        assertThat(PersistentHashMap.empty().put("a", 1).remove("a")).isSameAs(PersistentHashMap.empty());
    }
}
