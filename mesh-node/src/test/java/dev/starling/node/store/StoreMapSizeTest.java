package dev.starling.node.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreMapSizeTest {

    private static final int VALUE_BYTES = 16 * 1024;

    @TempDir
    Path dir;

    @Test
    void shouldGrowTheMapWhenACommitDoesNotFit() {
        StoreConfig config = config(64 * 1024, 8 << 20);
        try (Store store = Store.open(dir, config)) {
            long initial = store.mapSizeBytes();
            for (int i = 0; i < 64; i++) {
                store.batch().putObject("o" + i, value(i)).commit();
            }
            assertThat(store.mapSizeBytes()).isGreaterThan(initial).isLessThanOrEqualTo(8 << 20);
            for (int i = 0; i < 64; i++) {
                assertThat(store.object("o" + i)).isEqualTo(value(i));
            }
        }
    }

    @Test
    void shouldFailClearlyAtTheMaximumAndStayUsable() {
        StoreConfig config = config(64 * 1024, 1 << 20);
        int committed = 0;
        try (Store store = Store.open(dir, config)) {
            StoreFullException full = null;
            while (full == null) {
                try {
                    store.batch().putObject("o" + committed, value(committed)).appendDelta(committed + 1, value(committed))
                            .commit();
                    committed++;
                } catch (StoreFullException e) {
                    full = e;
                }
                assertThat(committed).as("a 1 MiB map holds fewer than 64 values of 2 x 16 KiB").isLessThan(64);
            }
            assertThat(full).hasMessageContaining("is full").hasMessageContaining("maxMapSizeBytes");
            assertThat(store.mapSizeBytes()).isEqualTo(1 << 20);
            assertThat(store.objectCount()).as("the failed batch left nothing").isEqualTo(committed);
            assertThat(store.lastDeltaSeq()).isEqualTo(committed);
            assertThat(store.object("o" + committed)).isNull();

            // Deleting frees pages: the store keeps working.
            store.batch().trimDeltasBefore(committed + 1).deleteObject("o0").commit();
            store.batch().putObject("after", value(7)).commit();
            assertThat(store.object("after")).isEqualTo(value(7));
        }
        try (Store store = Store.open(dir, config)) {
            assertThat(store.objectCount()).isEqualTo(committed);
            for (int i = 1; i < committed; i++) {
                assertThat(store.object("o" + i)).isEqualTo(value(i));
            }
        }
    }

    @Test
    void shouldRefuseABatchLargerThanTheMaximum() {
        try (Store store = Store.open(dir, config(64 * 1024, 256 * 1024))) {
            store.batch().putObject("small", value(1)).commit();
            Batch huge = store.batch().putObject("huge", new byte[512 * 1024]);
            assertThatThrownBy(huge::commit).isInstanceOf(StoreFullException.class);
            assertThat(store.object("huge")).isNull();
            assertThat(store.object("small")).isEqualTo(value(1));
        }
    }

    @Test
    void shouldReopenADataFileLargerThanTheConfiguredMap() {
        try (Store store = Store.open(dir, config(64 * 1024, 8 << 20))) {
            for (int i = 0; i < 32; i++) {
                store.batch().putObject("o" + i, value(i)).commit();
            }
        }
        try (Store store = Store.open(dir, config(64 * 1024, 8 << 20))) {
            assertThat(store.mapSizeBytes()).as("room to write without a failed first commit")
                    .isGreaterThanOrEqualTo(2 * store.sizeBytes());
            store.batch().putObject("more", value(99)).commit();
            assertThat(store.object("o31")).isEqualTo(value(31));
            assertThat(store.object("more")).isEqualTo(value(99));
        }
    }

    private static StoreConfig config(long mapSizeBytes, long maxMapSizeBytes) {
        return StoreConfig.builder()
                .syncPolicy(SyncPolicy.NONE)
                .mapSizeBytes(mapSizeBytes)
                .maxMapSizeBytes(maxMapSizeBytes)
                .build();
    }

    private static byte[] value(int i) {
        byte[] v = new byte[VALUE_BYTES];
        Arrays.fill(v, (byte) i);
        return v;
    }
}
