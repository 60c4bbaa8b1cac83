package dev.starling.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/**
 * Model-based test: random batches of writes, with random close-and-reopen between them, applied to
 * the store and to a model made of {@code TreeMap}s; after every commit and every reopen the two
 * must hold the same objects, meta entries, acks, HLC mark and delta log (bounds included). The
 * delta log bounds are small so that automatic trimming happens, and the map starts at its minimum
 * size with some large values so that it grows under the test.
 */
class StoreModelTest {

    private static final long MAX_DELTAS = 6;
    private static final long MAX_DELTA_BYTES = 4_000;
    private static final StoreConfig CONFIG = StoreConfig.builder()
            .syncPolicy(SyncPolicy.NONE)
            .mapSizeBytes(StoreConfig.MIN_MAP_SIZE_BYTES)
            .maxDeltaLogEntries(MAX_DELTAS)
            .maxDeltaLogBytes(MAX_DELTA_BYTES)
            .build();

    /** UTF-8 order is not String order: U+1F600 sorts after U+FFFD in UTF-8, before it in UTF-16. */
    private static final List<String> NAMES = List.of("a", "b", "config/x", "é", "\uD83D\uDE00", "\uFFFD", "z".repeat(200));
    private static final List<String> META_KEYS = List.of("name", "cluster", "x");
    private static final List<ReplicaId> PEERS = List.of(new ReplicaId(1), new ReplicaId(0x8000_0000_0000_0000L), new ReplicaId(-1));

    sealed interface Op permits PutObject, DeleteObject, PutMeta, DeleteMeta, PutAck, PutHlc, Append, Trim {
    }

    record PutObject(String name, byte[] value) implements Op {
        @Override
        public String toString() {
            return "PutObject[" + name + ", " + value.length + " bytes]";
        }
    }

    record DeleteObject(String name) implements Op {
    }

    record PutMeta(String key, byte[] value) implements Op {
        @Override
        public String toString() {
            return "PutMeta[" + key + ", " + value.length + " bytes]";
        }
    }

    record DeleteMeta(String key) implements Op {
    }

    record PutAck(ReplicaId peer, long seq) implements Op {
    }

    record PutHlc(long physicalMs, int logical) implements Op {
    }

    /** Appends the next delta, {@code gap} after the last sequence. */
    record Append(int gap, byte[] value) implements Op {
        @Override
        public String toString() {
            return "Append[gap " + gap + ", " + value.length + " bytes]";
        }
    }

    /** Trims before the last sequence minus {@code back}. */
    record Trim(int back) implements Op {
    }

    /** A batch to commit, or (null ops) a close and reopen. */
    record Step(List<Op> ops) {
        boolean isReopen() {
            return ops == null;
        }

        @Override
        public String toString() {
            return isReopen() ? "Reopen" : ops.toString();
        }
    }

    @Property(tries = 200)
    void shouldAgreeWithTheModelAfterEveryCommitAndReopen(@ForAll("steps") List<Step> steps) throws IOException {
        Path dir = Files.createTempDirectory("store-model");
        Store store = Store.open(dir, CONFIG);
        try {
            ReplicaId replica = store.replicaId();
            Model model = new Model();
            for (Step step : steps) {
                if (step.isReopen()) {
                    store.close();
                    store = Store.open(dir, CONFIG);
                    assertThat(store.replicaId()).isEqualTo(replica);
                } else {
                    Batch batch = store.batch();
                    for (Op op : step.ops()) {
                        model.apply(op, batch);
                    }
                    batch.commit();
                    model.trimToBounds();
                }
                model.check(store);
            }
            Statistics.label("map grown").collect(store.mapSizeBytes() > StoreConfig.MIN_MAP_SIZE_BYTES);
            Statistics.label("deltas trimmed").collect(model.trimmed);
        } finally {
            store.close();
            deleteRecursively(dir);
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<byte[]> small = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
        Arbitrary<byte[]> large = Arbitraries.bytes().array(byte[].class).ofMinSize(1_000).ofMaxSize(9_000);
        Arbitrary<byte[]> value = Arbitraries.frequencyOf(weighted(9, small), weighted(1, large));
        Arbitrary<String> name = Arbitraries.of(NAMES);
        Arbitrary<String> metaKey = Arbitraries.of(META_KEYS);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                weighted(6, Combinators.combine(name, value).as(PutObject::new)),
                weighted(2, name.map(DeleteObject::new)),
                weighted(2, Combinators.combine(metaKey, small).as(PutMeta::new)),
                weighted(1, metaKey.map(DeleteMeta::new)),
                weighted(2, Combinators.combine(Arbitraries.of(PEERS), Arbitraries.longs().between(0, 1_000)).as(PutAck::new)),
                weighted(1, Combinators.combine(Arbitraries.longs().between(0, Hlc.MAX_PHYSICAL_MS),
                        Arbitraries.integers().between(0, Hlc.MAX_LOGICAL)).as(PutHlc::new)),
                weighted(6, Combinators.combine(Arbitraries.integers().between(1, 3), value).as(Append::new)),
                weighted(1, Arbitraries.integers().between(0, 8).map(Trim::new)));
        Arbitrary<Step> batch = op.list().ofMinSize(1).ofMaxSize(12).map(Step::new);
        Arbitrary<Step> reopen = Arbitraries.just(new Step(null));
        return Arbitraries.frequencyOf(weighted(5, batch), weighted(1, reopen)).list().ofMinSize(1).ofMaxSize(25);
    }

    private static <T> Tuple2<Integer, Arbitrary<? extends T>> weighted(int weight, Arbitrary<? extends T> a) {
        return Tuple.of(weight, a);
    }

    /** What the store should hold, by the obvious means. */
    private static final class Model {
        private static final Comparator<String> UTF8_ORDER =
                (x, y) -> Arrays.compareUnsigned(x.getBytes(UTF_8), y.getBytes(UTF_8));

        final TreeMap<String, String> objects = new TreeMap<>(UTF8_ORDER);
        final TreeMap<String, String> meta = new TreeMap<>();
        final TreeMap<ReplicaId, Long> acks = new TreeMap<>();
        final TreeMap<Long, String> deltas = new TreeMap<>();
        Long hlcPacked;
        long lastSeq;
        boolean trimmed;

        void apply(Op op, Batch batch) {
            if (op instanceof PutObject p) {
                batch.putObject(p.name(), p.value());
                objects.put(p.name(), hex(p.value()));
            } else if (op instanceof DeleteObject d) {
                batch.deleteObject(d.name());
                objects.remove(d.name());
            } else if (op instanceof PutMeta p) {
                batch.putMeta(p.key(), p.value());
                meta.put(p.key(), hex(p.value()));
            } else if (op instanceof DeleteMeta d) {
                batch.deleteMeta(d.key());
                meta.remove(d.key());
            } else if (op instanceof PutAck a) {
                batch.putAck(a.peer(), a.seq());
                acks.put(a.peer(), a.seq());
            } else if (op instanceof PutHlc h) {
                Hlc hlc = new Hlc(h.physicalMs(), h.logical(), new ReplicaId(1));
                batch.putHlcHighWaterMark(hlc);
                hlcPacked = hlc.packedTime();
            } else if (op instanceof Append a) {
                lastSeq += a.gap();
                batch.appendDelta(lastSeq, a.value());
                deltas.put(lastSeq, hex(a.value()));
            } else if (op instanceof Trim t) {
                long before = lastSeq - t.back();
                batch.trimDeltasBefore(before);
                trimmed |= !deltas.headMap(before).isEmpty();
                deltas.headMap(before).clear();
            } else {
                throw new AssertionError(op);
            }
        }

        void trimToBounds() {
            while (deltas.size() > MAX_DELTAS || deltaBytes() > MAX_DELTA_BYTES) {
                deltas.pollFirstEntry();
                trimmed = true;
            }
        }

        long deltaBytes() {
            return deltas.values().stream().mapToLong(h -> h.length() / 2).sum();
        }

        void check(Store store) {
            Map<String, String> storedObjects = new LinkedHashMap<>();
            store.forEachObject((name, state) -> storedObjects.put(name, hex(state)));
            assertThat(storedObjects).as("objects in order").containsExactlyEntriesOf(objects);
            assertThat(store.objectCount()).as("objectCount").isEqualTo(objects.size());
            for (String name : NAMES) {
                String expected = objects.get(name);
                byte[] actual = store.object(name);
                assertThat(actual == null ? null : hex(actual)).as(name).isEqualTo(expected);
            }
            for (String key : META_KEYS) {
                byte[] actual = store.meta(key);
                assertThat(actual == null ? null : hex(actual)).as(key).isEqualTo(meta.get(key));
            }
            assertThat(store.acks()).as("acks").containsExactlyEntriesOf(acks);
            for (ReplicaId peer : PEERS) {
                assertThat(store.ack(peer)).as("ack of %s", peer).isEqualTo(acks.getOrDefault(peer, 0L));
            }
            Hlc mark = store.hlcHighWaterMark();
            assertThat(mark == null ? null : mark.packedTime()).as("HLC mark").isEqualTo(hlcPacked);

            Map<Long, String> storedDeltas = new LinkedHashMap<>();
            store.forEachDelta(0, (seq, delta) -> storedDeltas.put(seq, hex(delta)) == null);
            assertThat(storedDeltas).as("deltas").containsExactlyEntriesOf(deltas);
            assertThat(store.firstDeltaSeq()).as("firstDeltaSeq").isEqualTo(deltas.isEmpty() ? 0 : deltas.firstKey());
            assertThat(store.lastDeltaSeq()).as("lastDeltaSeq").isEqualTo(lastSeq);
            assertThat(store.deltaCount()).as("deltaCount").isEqualTo(deltas.size());
            assertThat(store.deltaBytes()).as("deltaBytes").isEqualTo(deltaBytes());
            if (!deltas.isEmpty()) {
                long middle = deltas.ceilingKey((deltas.firstKey() + deltas.lastKey()) / 2);
                Map<Long, String> tail = new LinkedHashMap<>();
                store.forEachDelta(middle, (seq, delta) -> tail.put(seq, hex(delta)) == null);
                assertThat(new TreeSet<>(tail.keySet())).as("deltas from %d", middle).isEqualTo(deltas.tailMap(middle).keySet());
            }
        }

        private static String hex(byte[] b) {
            return HexFormat.of().formatHex(b);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
