package dev.starling.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CollectionIndexTest {

    private static final int DIMS = 32;
    private static final ModelVersion MODEL = new ModelVersion(2, 0xabcL);
    private static final IndexConfig CONFIG = IndexConfig.of(DIMS, MODEL).withExactThreshold(0);

    @TempDir
    Path dir;

    /** A change of the store's change stream: position, document, new vector or null for a delete. */
    record Change(long position, String id, float[] vector) {
    }

    private static List<Change> changeLog(int n, long seed) {
        Random r = new Random(seed);
        ClusteredVectors gen = new ClusteredVectors(DIMS, 30, 1f, seed);
        List<Change> log = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String id = "doc-" + r.nextInt(n / 3);
            log.add(new Change(i * 10L, id, r.nextInt(5) == 0 ? null : gen.next()));
        }
        return log;
    }

    private static void apply(CollectionIndex c, Change ch) {
        if (ch.vector() == null) {
            c.remove(ch.position(), ch.id());
        } else {
            c.upsert(ch.position(), ch.id(), ch.vector());
        }
    }

    @Test
    void shouldLoadTheSnapshotAndReplayOnlyTheChangesAfterItsWatermark() throws Exception {
        List<Change> log = changeLog(3000, 1);
        Path file = dir.resolve("coll.idx");
        CollectionIndex before = CollectionIndex.open(file, CONFIG);
        assertThat(before.opened()).isEqualTo(CollectionIndex.Opened.NO_SNAPSHOT);
        assertThat(before.watermark()).isZero();
        for (Change ch : log.subList(0, 1800)) {
            apply(before, ch);
        }
        before.save();
        for (Change ch : log.subList(1800, 2000)) {
            apply(before, ch); // applied, never saved: lost in the "crash"
        }

        CollectionIndex after = CollectionIndex.open(file, CONFIG);
        assertThat(after.opened()).isEqualTo(CollectionIndex.Opened.LOADED);
        assertThat(after.watermark()).isEqualTo(18_000L);
        int replayed = 0;
        for (Change ch : log) {
            if (ch.position() > after.watermark()) {
                apply(after, ch);
                replayed++;
            }
        }
        assertThat(replayed).isEqualTo(1200);
        assertThat(after.watermark()).isEqualTo(30_000L);

        CollectionIndex reference = CollectionIndex.open(dir.resolve("ref.idx"), CONFIG);
        log.forEach(ch -> apply(reference, ch));
        VectorIndex a = after.index();
        VectorIndex b = reference.index();
        assertThat(a.size()).isEqualTo(b.size());
        for (int i = 0; i < 1000; i++) {
            String id = "doc-" + i;
            assertThat(a.vector(id)).as(id).isEqualTo(b.vector(id));
        }
        ClusteredVectors queries = new ClusteredVectors(DIMS, 30, 1f, 1);
        for (int q = 0; q < 50; q++) {
            float[] v = queries.next();
            assertThat(a.searchExact(v, 10)).isEqualTo(b.searchExact(v, 10));
            assertThat(a.search(v, 10)).extracting(SearchHit::id).isSubsetOf(idsOf(b.searchExact(v, 1000)));
        }
    }

    private static List<String> idsOf(List<SearchHit> hits) {
        return hits.stream().map(SearchHit::id).toList();
    }

    @Test
    void shouldStartOverWhenTheModelOrTheDimensionChangedOrTheSnapshotIsDamaged() throws Exception {
        Path file = dir.resolve("coll.idx");
        CollectionIndex c = CollectionIndex.open(file, CONFIG);
        changeLog(300, 2).forEach(ch -> apply(c, ch));
        c.save();

        CollectionIndex newModel = CollectionIndex.open(file, IndexConfig.of(DIMS, new ModelVersion(3, 0xdefL)));
        assertThat(newModel.opened()).isEqualTo(CollectionIndex.Opened.MODEL_CHANGED);
        assertThat(newModel.watermark()).isZero();
        assertThat(newModel.index().size()).isZero();

        CollectionIndex newDims = CollectionIndex.open(file, IndexConfig.of(64, MODEL));
        assertThat(newDims.opened()).isEqualTo(CollectionIndex.Opened.DIMENSIONS_CHANGED);

        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        CollectionIndex damaged = CollectionIndex.open(file, CONFIG);
        assertThat(damaged.opened()).isEqualTo(CollectionIndex.Opened.CORRUPT);
        assertThat(damaged.watermark()).isZero();
        assertThat(damaged.index().size()).isZero();
    }

    @Test
    void shouldIndexEmbeddingsOfItsModelOnlyAndResetForANewOne() throws Exception {
        CollectionIndex c = CollectionIndex.open(dir.resolve("c.idx"), CONFIG);
        float[] v = new ClusteredVectors(DIMS, 3, 1f, 4).next();
        assertThat(c.upsert(1, "a", EmbeddingValue.quantize(MODEL, v))).isTrue();
        assertThat(c.upsert(2, "b", EmbeddingValue.quantize(new ModelVersion(3, 1), v))).isFalse();
        assertThat(c.skippedOtherModel()).isEqualTo(1);
        assertThat(c.index().contains("a")).isTrue();
        assertThat(c.index().contains("b")).isFalse();
        assertThat(c.watermark()).isEqualTo(2);
        assertThat(c.index().search(v, 1).get(0).score()).isGreaterThan(0.9999f);

        c.reset(IndexConfig.of(DIMS, new ModelVersion(3, 1)));
        assertThat(c.watermark()).isZero();
        assertThat(c.index().size()).isZero();
        assertThat(c.upsert(2, "b", EmbeddingValue.quantize(new ModelVersion(3, 1), v))).isTrue();
    }

    @Test
    void shouldRefuseChangesOutOfOrderAndKeepTheWatermarkOnABadVector() throws Exception {
        CollectionIndex c = CollectionIndex.open(dir.resolve("c.idx"), CONFIG);
        float[] v = new ClusteredVectors(DIMS, 3, 1f, 4).next();
        c.upsert(10, "a", v);
        assertThatThrownBy(() -> c.upsert(9, "b", v)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("before the watermark 10");
        assertThatThrownBy(() -> c.upsert(11, "b", new float[DIMS])).isInstanceOf(IllegalArgumentException.class);
        assertThat(c.watermark()).isEqualTo(10);
        assertThat(c.index().contains("b")).isFalse();
        c.remove(12, "a");
        assertThat(c.index().size()).isZero();
    }
}
