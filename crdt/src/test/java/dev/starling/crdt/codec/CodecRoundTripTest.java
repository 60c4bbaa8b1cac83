package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.Simulation.Run;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * decode(encode(x)) equals x for every reachable state, delta and delta group of every type, through
 * its typed codec and through {@link CrdtCodec}; deltas keep their key-completeness and removed keys.
 */
class CodecRoundTripTest {

    @Property(tries = 40)
    void shouldRoundTripLwwRegister(@ForAll(supplier = Generators.LwwRegisterRuns.class) Run<LwwRegister<String>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.LWW_REGISTER, run);
    }

    @Property(tries = 40)
    void shouldRoundTripLwwMap(@ForAll(supplier = Generators.LwwMapRuns.class) Run<LwwMap<String, String>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.LWW_MAP, run);
    }

    @Property(tries = 40)
    void shouldRoundTripMvRegister(@ForAll(supplier = Generators.MvRegisterRuns.class) Run<MvRegister<String>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.MV_REGISTER, run);
    }

    @Property(tries = 40)
    void shouldRoundTripEmbeddingRegister(@ForAll(supplier = Generators.EmbeddingRegisterRuns.class) Run<EmbeddingRegister> run)
            throws Exception {
        Checks.assertRoundTrips(Types.EMBEDDING_REGISTER, run);
    }

    @Property(tries = 40)
    void shouldRoundTripOrSet(@ForAll(supplier = Generators.OrSetRuns.class) Run<OrSet<String>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.OR_SET, run);
    }

    @Property(tries = 40)
    void shouldRoundTripPnCounter(@ForAll(supplier = Generators.PnCounterRuns.class) Run<PnCounter> run)
            throws Exception {
        Checks.assertRoundTrips(Types.PN_COUNTER, run);
    }

    @Property(tries = 40)
    void shouldRoundTripOrMapOfDotSets(@ForAll(supplier = Generators.OrMapOfDotSetsRuns.class) Run<OrMap<String, DotSet>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.OR_MAP_OF_DOT_SETS, run);
    }

    @Property(tries = 40)
    void shouldRoundTripOrMapOfOrSets(@ForAll(supplier = Generators.OrMapOfSetsRuns.class) Run<OrMap<String, DotMap<String, DotSet>>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.OR_MAP_OF_SETS, run);
    }

    @Property(tries = 40)
    void shouldRoundTripOrMapOfOrMapsOfOrSets(@ForAll(supplier = Generators.OrMapOfMapsOfSetsRuns.class) Run<OrMap<String, DotMap<String, DotMap<String, DotSet>>>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.OR_MAP_OF_MAPS_OF_SETS, run);
    }

    @Property(tries = 40)
    void shouldRoundTripOrMapOfMvRegisters(@ForAll(supplier = Generators.OrMapOfMvRegistersRuns.class) Run<OrMap<String, DotFun<Timestamped<String>>>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.OR_MAP_OF_MV_REGISTERS, run);
    }

    @Property(tries = 40)
    void shouldRoundTripOrMapOfEmbeddingRegisters(@ForAll(supplier = Generators.OrMapOfEmbeddingsRuns.class) Run<OrMap<String, DotFun<EmbeddingValue>>> run)
            throws Exception {
        Checks.assertRoundTrips(Types.OR_MAP_OF_EMBEDDINGS, run);
    }

    @Example
    void shouldRoundTripBottomStatesAndEmptyDeltasOfEveryType() throws Exception {
        for (Types.Type<?> type : Types.ALL) {
            Checks.assertEmptyRoundTrips(type);
        }
        Checks.assertRoundTrips(Types.MV_REGISTER, MvRegister.<String>empty().clearDelta());
        Checks.assertRoundTrips(Types.EMBEDDING_REGISTER, EmbeddingRegister.empty().clearDelta());
        Checks.assertRoundTrips(Types.OR_SET, OrSet.<String>empty().removeDelta("absent"));
        Checks.assertRoundTrips(Types.OR_MAP_OF_SETS, OrMap.<String, DotMap<String, DotSet>>empty().removeDelta("absent"));
        OrMap<String, DotMap<String, DotSet>> noop = OrMap.<String, DotMap<String, DotSet>>empty()
            .updateDelta("k", DotMap.empty(), (s, c) -> OrSet.removeDelta(s, "absent"));
        assertThat(noop.store().removedKeys()).containsExactly("k");
        Checks.assertRoundTrips(Types.OR_MAP_OF_SETS, noop);
        Checks.assertRoundTrips(Types.PN_COUNTER, PnCounter.empty().updateDelta(new ReplicaId(-1), 0));
    }

    @Property(tries = 100)
    void shouldRoundTripLwwMapsOfInt64Values(@ForAll("int64Writes") List<Tuple.Tuple4<String, Long, Long, Boolean>> writes)
            throws Exception {
        LwwMapCodec<String, Long> codec = new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.int64(), DecodeLimits.DEFAULT);
        ReplicaId replica = new ReplicaId(0x8000_0000_0000_0001L);
        LwwMap<String, Long> state = LwwMap.empty();
        for (Tuple.Tuple4<String, Long, Long, Boolean> w : writes) {
            Hlc hlc = new Hlc(w.get3(), (int) (w.get3() & 0xFFFF), replica);
            LwwMap<String, Long> delta = w.get4() ? state.removeDelta(w.get1(), hlc) : state.putDelta(w.get1(), w.get2(), hlc);
            assertThat(codec.decode(codec.encode(delta))).isEqualTo(delta);
            state = state.merge(delta);
        }
        byte[] bytes = codec.encode(state);
        assertThat(codec.decode(bytes)).isEqualTo(state);
        assertThat(codec.encode(codec.decode(bytes))).isEqualTo(bytes);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple4<String, Long, Long, Boolean>>> int64Writes() {
        return Combinators.combine(Arbitraries.of(Generators.KEY_POOL), Arbitraries.longs(),
            Arbitraries.longs().between(0, Hlc.MAX_PHYSICAL_MS), Arbitraries.of(false, false, true))
            .as(Tuple::of).list().ofMaxSize(12);
    }

    /** Guards the generators: the shapes the codecs must handle do come up. */
    @Example
    @SuppressWarnings({"unchecked", "rawtypes"})
    void shouldGenerateTheShapesTheCodecsMustCover() {
        Map<String, Integer> seen = new TreeMap<>();
        Set<Integer> dims = new HashSet<>();
        Set<ModelVersion> models = new HashSet<>();
        for (Types.Type<?> type : Types.ALL) {
            Generators.runs((Types.Type) type).sampleStream().limit(120).forEach(r -> {
                Run<?> run = (Run<?>) r;
                for (Object v : run.states()) {
                    countStateShapes(seen, v);
                    if (v instanceof EmbeddingRegister) {
                        for (EmbeddingValue e : ((EmbeddingRegister) v).siblings()) {
                            dims.add(e.dimensions());
                            models.add(e.model());
                        }
                    }
                }
                for (Object d : run.deltasAndGroups()) {
                    DotMap<?, ?> store = d instanceof OrSet ? ((OrSet<?>) d).store() : d instanceof OrMap ? ((OrMap<?, ?>) d).store() : null;
                    if (store != null) {
                        count(seen, "delta removing keys", !store.removedKeys().isEmpty());
                        count(seen, "delta group holding and removing keys", store.size() > 0 && !store.removedKeys().isEmpty());
                        count(seen, "delta with a nested key-complete map",
                            store.keys().stream().anyMatch(k -> store.get(k) instanceof DotMap && ((DotMap<?, ?>) store.get(k)).isKeyComplete()));
                    }
                }
            });
        }
        assertThat(seen).hasSize(10).allSatisfy((shape, n) -> assertThat(n).as(shape).isPositive());
        assertThat(dims).as("embedding dimensions").hasSizeGreaterThanOrEqualTo(3);
        assertThat(models).as("embedding models").hasSizeGreaterThanOrEqualTo(3);
    }

    private static void countStateShapes(Map<String, Integer> seen, Object v) {
        count(seen, "LWW map with a tombstone", v instanceof LwwMap && ((LwwMap<?, ?>) v).entryCount() > ((LwwMap<?, ?>) v).size());
        count(seen, "OR-set with cloud dots", v instanceof OrSet && ((OrSet<?>) v).context().cloudSize() > 0);
        count(seen, "OR-map with cloud dots", v instanceof OrMap && ((OrMap<?, ?>) v).context().cloudSize() > 0);
        count(seen, "MV register with siblings", v instanceof MvRegister && ((MvRegister<?>) v).siblings().size() > 1);
        count(seen, "embedding register with siblings", v instanceof EmbeddingRegister && ((EmbeddingRegister) v).siblings().size() > 1);
        count(seen, "PN counter total over 2^62", v instanceof PnCounter && ((PnCounter) v).replicaCount() > 0
            && ((PnCounter) v).incrementsAt(0) > (1L << 62));
        if (v instanceof OrMap) {
            OrMap<?, ?> m = (OrMap<?, ?>) v;
            count(seen, "OR-map nesting registers with siblings",
                m.keys().stream().anyMatch(k -> m.get(k) instanceof DotFun && ((DotFun<?>) m.get(k)).size() > 1));
        }
    }

    private static void count(Map<String, Integer> seen, String shape, boolean hit) {
        seen.merge(shape, hit ? 1 : 0, Integer::sum);
    }
}
