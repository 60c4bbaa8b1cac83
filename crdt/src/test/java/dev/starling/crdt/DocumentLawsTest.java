package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaSimulation.Event;
import dev.starling.crdt.ReplicaSimulation.Origin;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The laws for {@link Document}; model: the surviving upserts are those no later upsert or delete
 * had in its causal past. The document is live exactly when one survives; its embeddings are the
 * survivors' (resolved as in {@link EmbeddingRegisterLawsTest}); its text is the latest survivor's
 * (by HLC; none for an upsert by vector); each metadata key holds the value of the latest survivor
 * that has the key; the context holds every dot ever made (2 + metadata keys per upsert).
 */
class DocumentLawsTest extends AbstractCrdtLaws<Document<Integer>, DocumentLawsTest.Op> {

    static final ModelVersion MODEL = new ModelVersion(1, 0xabcdL);

    sealed interface Op permits Upsert, Delete {
    }

    /** Replaces the document; {@code text} null is an upsert by vector. */
    record Upsert(List<Float> vector, String text, Map<String, Integer> metadata) implements Op {
        float[] floats() {
            return EmbeddingRegisterLawsTest.floats(vector);
        }

        EmbeddingValue quantized() {
            return EmbeddingValue.quantize(MODEL, floats());
        }
    }

    record Delete() implements Op {
    }

    @Override
    Arbitrary<Op> operations() {
        Arbitrary<List<Float>> vector = Arbitraries.floats().between(-1f, 1f).list().ofSize(4)
            .filter(v -> v.stream().anyMatch(x -> Math.abs(x) > 1e-3f));
        Arbitrary<String> text = Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just((String) null)),
            Tuple.of(4, Arbitraries.strings().withChars("abc ").ofMinLength(1).ofMaxLength(6)));
        Arbitrary<Map<String, Integer>> metadata = Arbitraries.maps(Arbitraries.of("k1", "k2", "k3"),
            Arbitraries.integers().between(0, 9)).ofMaxSize(3);
        return Arbitraries.frequencyOf(
            Tuple.of(6, Combinators.combine(vector, text, metadata).as(Upsert::new)),
            Tuple.of(2, Arbitraries.just(new Delete())));
    }

    @Override
    public Document<Integer> bottom() {
        return Document.empty();
    }

    @Override
    public Document<Integer> delta(Document<Integer> state, Op op, Origin origin) {
        return op instanceof Upsert u
            ? state.upsertDelta(origin.replica(), origin.hlc(), u.quantized(), u.text(), u.metadata())
            : state.deleteDelta();
    }

    @Override
    public Document<Integer> apply(Document<Integer> state, Op op, Origin origin) {
        return op instanceof Upsert u
            ? state.upsert(origin.replica(), origin.hlc(), u.quantized(), u.text(), u.metadata())
            : state.delete();
    }

    @Override
    public void observe(HybridLogicalClock clock, Document<Integer> received) {
        received.textStore().forEach((d, t) -> clock.observe(t.hlc()));
    }

    @Override
    void assertInvariants(Document<Integer> state) {
        assertStoreCoveredByContext(state.embeddingStore(), state.context());
        assertStoreCoveredByContext(state.textStore(), state.context());
        assertStoreCoveredByContext(state.metadataStore(), state.context());
        assertThat(state.metadataStore().isKeyComplete()).as("a state's metadata map is not a delta").isFalse();
        assertThat(state.textStore().size()).as("at most one text per embedding").isLessThanOrEqualTo(
            state.embeddingStore().size());
    }

    @Override
    void assertMatchesModel(Document<Integer> converged, List<Event<Op>> events) {
        List<Event<Op>> survivors = notSeenBy(events, e -> e.op() instanceof Upsert, (u, k) -> true);
        Map<EmbeddingValue, Integer> expected = new HashMap<>();
        survivors.forEach(e -> expected.merge(((Upsert) e.op()).quantized(), 1, Integer::sum));
        Map<EmbeddingValue, Integer> actual = new HashMap<>();
        converged.embeddings().forEach(v -> actual.merge(v, 1, Integer::sum));
        assertThat(actual).as("exactly the upserts nothing replaced or deleted").isEqualTo(expected);
        assertThat(converged.isLive()).isEqualTo(!survivors.isEmpty());

        Map<ReplicaId, Long> dots = new HashMap<>();
        for (Event<Op> e : events) {
            if (e.op() instanceof Upsert u) {
                dots.merge(e.origin().replica(), (u.text() == null ? 1L : 2L) + u.metadata().size(), Long::sum);
            }
        }
        assertThat(converged.context().cloudSize()).isZero();
        assertThat(converged.context().versionVector()).isEqualTo(dots);

        if (survivors.isEmpty()) {
            assertThat(converged.vector()).isNull();
            assertThat(converged.text()).isNull();
            assertThat(converged.metadata()).isEmpty();
            assertThat(converged.hlc()).isNull();
            return;
        }
        Event<Op> latest = survivors.stream().filter(e -> ((Upsert) e.op()).text() != null)
            .max(Comparator.comparing(e -> e.origin().hlc())).orElse(null);
        assertThat(converged.text()).as("the latest surviving text").isEqualTo(latest == null ? null : ((Upsert) latest.op()).text());
        assertThat(converged.hlc()).isEqualTo(latest == null ? null : latest.origin().hlc());
        Map<String, Integer> meta = new TreeMap<>();
        Map<String, Hlc> at = new HashMap<>();
        for (Event<Op> e : survivors) {
            ((Upsert) e.op()).metadata().forEach((k, v) -> {
                Hlc h = at.get(k);
                if (h == null || e.origin().hlc().compareTo(h) > 0) {
                    at.put(k, e.origin().hlc());
                    meta.put(k, v);
                }
            });
        }
        assertThat(converged.metadata()).isEqualTo(meta);
        EmbeddingRegisterLawsTest.assertCloseToNormalisedMean(converged.vector(),
            survivors.stream().map(e -> ((Upsert) e.op()).floats()).toList());
        assertThat(converged.model()).isEqualTo(MODEL);
        assertThat(converged.dimensions()).isEqualTo(4);
    }
}
