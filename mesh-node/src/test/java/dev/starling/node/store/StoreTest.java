package dev.starling.node.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    private static final StoreConfig NO_SYNC = StoreConfig.builder().syncPolicy(SyncPolicy.NONE).build();

    @TempDir
    Path dir;

    @Test
    void shouldRoundTripObjectsMetaAndDeltas() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            long id = store.batch()
                    .putObject("config", bytes("t=0.7"))
                    .putObject("tasks", bytes("a,b"))
                    .putObject("empty", new byte[0])
                    .putMeta("node-name", bytes("cam-1"))
                    .appendDelta(1, bytes("d1"))
                    .appendDelta(2, bytes("d2"))
                    .commit();

            assertThat(id).isEqualTo(1);
            assertThat(store.object("config")).isEqualTo(bytes("t=0.7"));
            assertThat(store.object("tasks")).isEqualTo(bytes("a,b"));
            assertThat(store.object("empty")).isEmpty();
            assertThat(store.object("missing")).isNull();
            assertThat(store.objectCount()).isEqualTo(3);
            assertThat(store.meta("node-name")).isEqualTo(bytes("cam-1"));
            assertThat(store.meta("missing")).isNull();
            assertThat(deltas(store, 0)).containsExactly(Map.entry(1L, "d1"), Map.entry(2L, "d2"));
            assertThat(store.firstDeltaSeq()).isEqualTo(1);
            assertThat(store.lastDeltaSeq()).isEqualTo(2);
            assertThat(store.deltaCount()).isEqualTo(2);
            assertThat(store.deltaBytes()).isEqualTo(4);
            assertThat(store.sizeBytes()).isPositive();

            store.batch().putObject("config", bytes("t=0.2")).deleteObject("tasks").deleteMeta("node-name").commit();

            assertThat(store.object("config")).isEqualTo(bytes("t=0.2"));
            assertThat(store.object("tasks")).isNull();
            assertThat(store.meta("node-name")).isNull();
            Map<String, String> all = new LinkedHashMap<>();
            store.forEachObject((name, state) -> all.put(name, new String(state, UTF_8)));
            assertThat(all).containsExactly(Map.entry("config", "t=0.2"), Map.entry("empty", ""));
        }
    }

    @Test
    void shouldRestoreEverythingAfterReopen() {
        ReplicaId peerA = new ReplicaId(0x0aL);
        ReplicaId peerB = new ReplicaId(0xfffffffffffffff0L);
        ReplicaId replica;
        Hlc hlc;
        try (Store store = Store.open(dir, NO_SYNC, new Random(1))) {
            replica = store.replicaId();
            hlc = new Hlc(1_700_000_000_123L, 7, replica);
            store.batch()
                    .putObject("map", bytes("state"))
                    .putMeta("free", bytes("form"))
                    .putAck(peerA, 41)
                    .putAck(peerB, 3)
                    .putHlcHighWaterMark(hlc)
                    .appendDelta(10, bytes("ten"))
                    .appendDelta(11, bytes("eleven"))
                    .commit();
            store.batch().putAck(peerA, 42).commit();
        }
        try (Store store = Store.open(dir, NO_SYNC, new Random(2))) {
            assertThat(store.replicaId()).isEqualTo(replica);
            assertThat(store.hlcHighWaterMark()).isEqualTo(hlc);
            assertThat(store.ack(peerA)).isEqualTo(42);
            assertThat(store.ack(peerB)).isEqualTo(3);
            assertThat(store.ack(new ReplicaId(5))).isZero();
            assertThat(store.acks()).containsExactly(Map.entry(peerA, 42L), Map.entry(peerB, 3L));
            assertThat(store.object("map")).isEqualTo(bytes("state"));
            assertThat(store.meta("free")).isEqualTo(bytes("form"));
            assertThat(deltas(store, 0)).containsExactly(Map.entry(10L, "ten"), Map.entry(11L, "eleven"));
            assertThat(store.firstDeltaSeq()).isEqualTo(10);
            assertThat(store.lastDeltaSeq()).isEqualTo(11);
            assertThat(store.deltaCount()).isEqualTo(2);
            assertThat(store.deltaBytes()).isEqualTo(9);
        }
    }

    @Test
    void shouldKeepTheReplicaIdOfADirectoryForever() {
        ReplicaId first;
        try (Store store = Store.open(dir, NO_SYNC)) {
            first = store.replicaId();
        }
        for (int i = 0; i < 3; i++) {
            try (Store store = Store.open(dir, NO_SYNC)) {
                assertThat(store.replicaId()).isEqualTo(first);
            }
        }
        try (Store other = Store.open(dir.resolve("other"), NO_SYNC)) {
            assertThat(other.replicaId()).isNotEqualTo(first);
        }
    }

    @Test
    void shouldWalkDeltasInSequenceOrderFromAnyPoint() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            // 255 and 256 differ in their low byte order: big-endian keys keep numeric order.
            long[] seqs = {1, 2, 255, 256, 65_536, 1L << 40};
            Batch batch = store.batch();
            for (long seq : seqs) {
                batch.appendDelta(seq, bytes("d" + seq));
            }
            batch.commit();

            assertThat(deltas(store, 0).keySet()).containsExactly(1L, 2L, 255L, 256L, 65_536L, 1L << 40);
            assertThat(deltas(store, 3).keySet()).containsExactly(255L, 256L, 65_536L, 1L << 40);
            assertThat(deltas(store, 256).keySet()).containsExactly(256L, 65_536L, 1L << 40);
            assertThat(deltas(store, (1L << 40) + 1)).isEmpty();

            List<Long> firstTwo = new ArrayList<>();
            long visited = store.forEachDelta(0, (seq, delta) -> firstTwo.add(seq) && firstTwo.size() < 2);
            assertThat(firstTwo).containsExactly(1L, 2L);
            assertThat(visited).isEqualTo(2);
        }
    }

    @Test
    void shouldTrimDeltasBeforeASequence() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            Batch batch = store.batch();
            for (long seq = 1; seq <= 10; seq++) {
                batch.appendDelta(seq, bytes("d" + seq));
            }
            batch.commit();

            store.batch().trimDeltasBefore(4).commit();
            assertThat(deltas(store, 0).keySet()).containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L);
            assertThat(store.firstDeltaSeq()).isEqualTo(4);
            assertThat(store.deltaCount()).isEqualTo(7);
            assertThat(store.deltaBytes()).isEqualTo(6 * 2 + 3);

            store.batch().trimDeltasBefore(100).commit();
            assertThat(deltas(store, 0)).isEmpty();
            assertThat(store.firstDeltaSeq()).isZero();
            assertThat(store.lastDeltaSeq()).isEqualTo(10);
            assertThat(store.deltaBytes()).isZero();
        }
        try (Store store = Store.open(dir, NO_SYNC)) {
            assertThat(store.lastDeltaSeq()).as("the last sequence survives an empty log").isEqualTo(10);
            assertThatThrownBy(() -> store.batch().appendDelta(10, bytes("again")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("larger than the last one appended, 10");
            store.batch().appendDelta(11, bytes("d11")).commit();
            assertThat(store.firstDeltaSeq()).isEqualTo(11);
        }
    }

    @Test
    void shouldTrimTheOldestDeltasWhenTheLogIsOverItsBounds() {
        StoreConfig config = NO_SYNC.toBuilder().maxDeltaLogEntries(5).maxDeltaLogBytes(40).build();
        try (Store store = Store.open(dir, config)) {
            for (long seq = 1; seq <= 8; seq++) {
                store.batch().appendDelta(seq, new byte[4]).commit();
            }
            assertThat(deltas(store, 0).keySet()).containsExactly(4L, 5L, 6L, 7L, 8L);

            store.batch().appendDelta(9, new byte[30]).commit();
            assertThat(deltas(store, 0).keySet()).as("4 + 4 + 30 <= 40 bytes").containsExactly(7L, 8L, 9L);
            assertThat(store.deltaBytes()).isEqualTo(38);
            assertThat(store.deltaCount()).isEqualTo(3);
        }
        try (Store store = Store.open(dir, config)) {
            assertThat(store.deltaBytes()).isEqualTo(38);
            assertThat(store.deltaCount()).isEqualTo(3);
            assertThat(store.firstDeltaSeq()).isEqualTo(7);
        }
    }

    @Test
    void shouldApplyABatchInOrder() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            store.batch()
                    .putObject("x", bytes("1"))
                    .deleteObject("x")
                    .putObject("y", bytes("1"))
                    .putObject("y", bytes("2"))
                    .appendDelta(1, bytes("a"))
                    .appendDelta(2, bytes("b"))
                    .trimDeltasBefore(2)
                    .appendDelta(3, bytes("c"))
                    .commit();
            assertThat(store.object("x")).isNull();
            assertThat(store.object("y")).isEqualTo(bytes("2"));
            assertThat(deltas(store, 0).keySet()).containsExactly(2L, 3L);
        }
    }

    @Test
    void shouldApplyNothingOfABatchThatFails() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            store.batch().appendDelta(5, bytes("five")).commit();
            Batch first = store.batch().putObject("a", bytes("1")).appendDelta(6, bytes("six"));
            Batch second = store.batch().putObject("b", bytes("2")).appendDelta(6, bytes("six too"));
            first.commit();

            assertThatThrownBy(second::commit).isInstanceOf(IllegalArgumentException.class);

            assertThat(store.object("b")).isNull();
            assertThat(deltas(store, 0)).containsExactly(Map.entry(5L, "five"), Map.entry(6L, "six"));
            assertThat(store.lastCommitId()).isEqualTo(2);
        }
    }

    @Test
    void shouldRefuseInvalidArguments() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            Batch batch = store.batch();
            assertThatThrownBy(() -> batch.putObject("", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> batch.putObject("k".repeat(512), bytes("x")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 to 511 bytes");
            assertThatThrownBy(() -> batch.putMeta("store/replica-id", bytes("x")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> batch.putMeta("ack/0000000000000001", bytes("x")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> batch.appendDelta(0, bytes("x"))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> batch.putAck(new ReplicaId(1), -1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(batch.size()).isZero();

            batch.putObject("k".repeat(511), bytes("x")).commit();
            assertThatThrownBy(batch::commit).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.forEachObject((name, state) -> store.batch().putObject("z", state).commit()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("callback");
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameDirectory() {
        try (Store store = Store.open(dir, NO_SYNC)) {
            assertThatThrownBy(() -> Store.open(dir, NO_SYNC))
                    .isInstanceOf(StoreLockedException.class)
                    .hasMessageContaining("already open in this process");
            assertThat(store.objectCount()).isZero();
        }
        try (Store again = Store.open(dir, NO_SYNC)) {
            assertThat(again.objectCount()).isZero();
        }
    }

    @Test
    void shouldRefuseUseAfterClose() {
        Store store = Store.open(dir, NO_SYNC);
        store.close();
        store.close();
        assertThatThrownBy(() -> store.object("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::batch).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldCopyAConsistentBackup() throws Exception {
        Path backup = Files.createDirectory(dir.resolve("backup"));
        ReplicaId replica;
        try (Store store = Store.open(dir.resolve("live"), NO_SYNC)) {
            replica = store.replicaId();
            store.batch().putObject("a", bytes("1")).appendDelta(1, bytes("d")).putAck(new ReplicaId(9), 1).commit();
            store.copyTo(backup);
        }
        try (Store restored = Store.open(backup, NO_SYNC)) {
            assertThat(restored.replicaId()).isEqualTo(replica);
            assertThat(restored.object("a")).isEqualTo(bytes("1"));
            assertThat(deltas(restored, 0)).containsExactly(Map.entry(1L, "d"));
            assertThat(restored.ack(new ReplicaId(9))).isEqualTo(1);
        }
    }

    @Test
    void shouldReportDurableCommitsPerPolicy() {
        StoreConfig interval = StoreConfig.builder().syncPolicy(SyncPolicy.INTERVAL).build();
        long intervalNs = interval.syncIntervalNs();
        try (Store store = Store.open(dir.resolve("interval"), interval)) {
            assertThat(store.syncIfDue(0)).as("nothing to sync").isFalse();
            long first = store.batch().putObject("a", bytes("1")).commit();
            assertThat(store.durableCommitId()).isLessThan(first);
            assertThat(store.syncIfDue(1_000)).as("first sync is due at once").isTrue();
            assertThat(store.durableCommitId()).isEqualTo(first);

            long second = store.batch().putObject("a", bytes("2")).commit();
            assertThat(store.syncIfDue(1_000 + intervalNs - 1)).isFalse();
            assertThat(store.durableCommitId()).isEqualTo(first);
            assertThat(store.syncIfDue(1_000 + intervalNs)).isTrue();
            assertThat(store.durableCommitId()).isEqualTo(second);
            assertThat(store.syncIfDue(1_000 + 10 * intervalNs)).as("nothing new").isFalse();
        }
        for (SyncPolicy policy : new SyncPolicy[] {SyncPolicy.ALWAYS, SyncPolicy.NONE}) {
            StoreConfig config = StoreConfig.builder().syncPolicy(policy).build();
            try (Store store = Store.open(dir.resolve(policy.name()), config)) {
                long id = store.batch().putObject("a", bytes("1")).commit();
                assertThat(store.durableCommitId()).isEqualTo(id);
                assertThat(store.syncIfDue(Long.MAX_VALUE)).isFalse();
            }
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    static Map<Long, String> deltas(Store store, long fromSeq) {
        Map<Long, String> deltas = new LinkedHashMap<>();
        store.forEachDelta(fromSeq, (seq, delta) -> {
            deltas.put(seq, new String(delta, UTF_8));
            return true;
        });
        return deltas;
    }
}
