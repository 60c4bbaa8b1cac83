package dev.starling.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.starling.crdt.ModelVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VectorIndexTest {

    private static final ModelVersion MODEL = new ModelVersion(1, 7);

    private static VectorIndex index(int dims, int exactThreshold) {
        return VectorIndex.create(IndexConfig.of(dims, MODEL).withExactThreshold(exactThreshold));
    }

    @ParameterizedTest(name = "exactThreshold {0}")
    @ValueSource(ints = {0, 1000})
    void shouldReturnTheNearestFirstWithCosineScores(int exactThreshold) {
        VectorIndex idx = index(3, exactThreshold);
        idx.upsert("x", new float[] {1, 0, 0});
        idx.upsert("y", new float[] {0, 5, 0}); // normalised on the way in
        idx.upsert("xy", new float[] {1, 1, 0});
        idx.upsert("-x", new float[] {-2, 0, 0});
        List<SearchHit> hits = idx.search(new float[] {3, 0.1f, 0}, 4);
        assertThat(hits).extracting(SearchHit::id).containsExactly("x", "xy", "y", "-x");
        assertThat(hits.get(0).score()).isCloseTo(0.99944f, within(1e-4f));
        assertThat(hits.get(1).score()).isCloseTo((float) ((3 + 0.1) / Math.sqrt(9.01) / Math.sqrt(2)), within(1e-4f));
        assertThat(hits.get(3).score()).isCloseTo(-0.99944f, within(1e-4f));
        assertThat(idx.search(new float[] {0, 1, 0}, 1)).extracting(SearchHit::id).containsExactly("y");
        assertThat(idx.search(new float[] {0, 1, 0}, 10)).hasSize(4);
    }

    @Test
    void shouldReplaceAVectorOnUpsertAndForgetItOnRemove() {
        VectorIndex idx = index(2, 0);
        idx.upsert("a", new float[] {1, 0});
        idx.upsert("b", new float[] {0, 1});
        idx.upsert("a", new float[] {0, 1});
        assertThat(idx.size()).isEqualTo(2);
        assertThat(idx.vector("a")).containsExactly(0f, 1f);
        assertThat(idx.search(new float[] {1, 0.01f}, 2)).extracting(SearchHit::score)
            .allSatisfy(s -> assertThat(s).isCloseTo(0.01f, within(1e-3f)));
        assertThat(idx.remove("a")).isTrue();
        assertThat(idx.remove("a")).isFalse();
        assertThat(idx.contains("a")).isFalse();
        assertThat(idx.search(new float[] {0, 1}, 5)).extracting(SearchHit::id).containsExactly("b");
        idx.upsert("a", new float[] {1, 0});
        assertThat(idx.search(new float[] {1, 0}, 1)).extracting(SearchHit::id).containsExactly("a");
    }

    @Test
    void shouldRejectBadVectorsAndStoreNothing() {
        VectorIndex idx = index(3, 0);
        idx.upsert("ok", new float[] {1, 2, 3});
        float[][] bad = {
            {1, 2}, {1, 2, 3, 4}, {Float.NaN, 0, 1}, {0, Float.POSITIVE_INFINITY, 1},
            {0, 0, Float.NEGATIVE_INFINITY}, {0, 0, 0}, null,
        };
        String[] messages = {"has 2 dimensions; this index holds 3", "has 4 dimensions", "component 0 is not a finite number: NaN",
            "component 1 is not a finite number: Infinity", "component 2 is not a finite number: -Infinity",
            "zero vector", "is null"};
        for (int i = 0; i < bad.length; i++) {
            float[] v = bad[i];
            assertThatThrownBy(() -> idx.upsert("new", v)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(messages[i]);
            assertThatThrownBy(() -> idx.upsert("ok", v)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(idx.size()).isEqualTo(1);
        assertThat(idx.contains("new")).isFalse();
        assertThat(idx.vector("ok")).containsExactly(new float[] {1 / 3.7416575f, 2 / 3.7416575f, 3 / 3.7416575f},
            within(1e-6f));
        assertThat(idx.graphNodes()).isEqualTo(1);
        assertThatThrownBy(() -> idx.upsert(null, new float[] {1, 0, 0})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> idx.upsert("é".repeat(513), new float[] {1, 0, 0}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024 bytes");
        idx.upsert("é".repeat(512), new float[] {1, 0, 0});
    }

    @Test
    void shouldRejectBadQueriesAndK() {
        VectorIndex idx = index(3, 0);
        idx.upsert("ok", new float[] {1, 2, 3});
        assertThatThrownBy(() -> idx.search(new float[] {1, 2}, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("query vector has 2 dimensions");
        assertThatThrownBy(() -> idx.search(new float[] {Float.NaN, 0, 0}, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> idx.search(new float[] {1, 0, 0}, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("k must be");
        assertThatThrownBy(() -> idx.search(new float[] {1, 0, 0}, VectorIndex.MAX_K + 1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(index(3, 0).search(new float[] {1, 0, 0}, 3)).isEmpty();
    }

    @Test
    void shouldRebuildTheGraphWhenDeletedNodesOutnumberLiveOnes() {
        VectorIndex idx = index(16, 0);
        ClusteredVectors gen = new ClusteredVectors(16, 20, 1f, 3);
        for (int i = 0; i < 1500; i++) {
            idx.upsert("d" + i, gen.next());
        }
        for (int i = 0; i < 1400; i++) {
            idx.remove("d" + i);
        }
        assertThat(idx.rebuilds()).isEqualTo(1);
        assertThat(idx.graphNodes()).isLessThan(1500);
        assertThat(idx.size()).isEqualTo(100);
        float[] q = idx.vector("d1450");
        assertThat(idx.search(q, 1)).extracting(SearchHit::id).containsExactly("d1450");
        assertThat(idx.search(q, 200)).hasSize(100);
    }

    /**
     * Model-based: random upserts (new ids, replaced vectors, repeated equal vectors) and removes,
     * applied to the index and to a HashMap; after every step both hold the same ids and vectors,
     * exact search agrees with a brute-force reading of the map, and the graph search returns only
     * live ids in score order.
     */
    @Test
    void shouldAgreeWithAReferenceMapUnderRandomOperations() {
        Random r = new Random(11);
        int dims = 8;
        VectorIndex idx = index(dims, 0);
        Map<String, float[]> model = new HashMap<>();
        for (int step = 0; step < 3000; step++) {
            String id = "k" + r.nextInt(300);
            int op = r.nextInt(10);
            if (op < 6) {
                float[] v = new float[dims];
                for (int i = 0; i < dims; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                idx.upsert(id, v);
                model.put(id, Vectors.checkedUnitCopy(v, dims, "v"));
            } else if (op < 7 && model.containsKey(id)) {
                idx.upsert(id, model.get(id).clone());
            } else {
                assertThat(idx.remove(id)).isEqualTo(model.remove(id) != null);
            }
            if (step % 50 == 0 || step == 2999) {
                assertThat(idx.size()).isEqualTo(model.size());
                for (Map.Entry<String, float[]> e : model.entrySet()) {
                    assertThat(idx.vector(e.getKey())).containsExactly(e.getValue());
                }
                float[] q = new float[dims];
                for (int i = 0; i < dims; i++) {
                    q[i] = (float) r.nextGaussian();
                }
                float[] uq = Vectors.checkedUnitCopy(q, dims, "q");
                List<SearchHit> truth = new ArrayList<>();
                model.forEach((k, v) -> truth.add(new SearchHit(k, Vectors.dot(uq, v))));
                truth.sort((a, b) -> a.score() != b.score() ? Float.compare(b.score(), a.score()) : a.id().compareTo(b.id()));
                assertThat(idx.searchExact(q, 5)).isEqualTo(truth.subList(0, Math.min(5, truth.size())));
                List<SearchHit> approx = idx.search(q, 5);
                assertThat(approx).allSatisfy(h -> assertThat(model).containsKey(h.id()));
                for (int i = 1; i < approx.size(); i++) {
                    assertThat(approx.get(i - 1).score()).isGreaterThanOrEqualTo(approx.get(i).score());
                }
            }
        }
    }

    /** One writer grows the index past several capacity doublings while four threads search. */
    @Test
    void shouldServeConcurrentSearchesWhileOneWriterGrowsTheIndex() throws Exception {
        int dims = 16;
        VectorIndex idx = index(dims, 100);
        ClusteredVectors gen = new ClusteredVectors(dims, 50, 1f, 5);
        float[][] data = gen.next(4500);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong searches = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    while (!done.get()) {
                        List<SearchHit> hits = idx.search(data[r.nextInt(data.length)], 10);
                        assertThat(hits.size()).isLessThanOrEqualTo(10);
                        searches.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int i = 0; i < data.length; i++) {
                idx.upsert("d" + i, data[i]);
                if (i % 3 == 0 && i > 0) {
                    idx.remove("d" + (i - 1));
                }
            }
            done.set(true);
            for (Future<?> f : readers) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        assertThat(searches.get()).isPositive();
        assertThat(idx.size()).isEqualTo(4500 - 1499);
        assertThat(idx.search(data[4499], 1)).extracting(SearchHit::id).containsExactly("d4499");
    }

    @Test
    void shouldValidateTheConfig() {
        assertThatThrownBy(() -> IndexConfig.of(0, MODEL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexConfig.of(4097, MODEL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexConfig.of(8, MODEL).withM(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexConfig.of(8, MODEL).withEf(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexConfig.of(8, null)).isInstanceOf(NullPointerException.class);
    }
}
