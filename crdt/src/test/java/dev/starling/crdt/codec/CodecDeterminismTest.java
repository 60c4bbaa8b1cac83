package dev.starling.crdt.codec;

import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.codec.Simulation.Run;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Equal states encode to identical bytes whatever the order of operations and merges that reached
 * them, and encode(decode(b)) == b for everything the encoders write.
 */
class CodecDeterminismTest {

    @Property(tries = 40)
    void shouldEncodeDeterministicallyLwwRegister(@ForAll(supplier = Generators.LwwRegisterRuns.class) Run<LwwRegister<String>> run)
            throws Exception {
        Checks.assertDeterministic(Types.LWW_REGISTER, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyLwwMap(@ForAll(supplier = Generators.LwwMapRuns.class) Run<LwwMap<String, String>> run)
            throws Exception {
        Checks.assertDeterministic(Types.LWW_MAP, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyMvRegister(@ForAll(supplier = Generators.MvRegisterRuns.class) Run<MvRegister<String>> run)
            throws Exception {
        Checks.assertDeterministic(Types.MV_REGISTER, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyEmbeddingRegister(@ForAll(supplier = Generators.EmbeddingRegisterRuns.class) Run<EmbeddingRegister> run)
            throws Exception {
        Checks.assertDeterministic(Types.EMBEDDING_REGISTER, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyOrSet(@ForAll(supplier = Generators.OrSetRuns.class) Run<OrSet<String>> run)
            throws Exception {
        Checks.assertDeterministic(Types.OR_SET, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyPnCounter(@ForAll(supplier = Generators.PnCounterRuns.class) Run<PnCounter> run)
            throws Exception {
        Checks.assertDeterministic(Types.PN_COUNTER, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyOrMapOfDotSets(@ForAll(supplier = Generators.OrMapOfDotSetsRuns.class) Run<OrMap<String, DotSet>> run)
            throws Exception {
        Checks.assertDeterministic(Types.OR_MAP_OF_DOT_SETS, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyOrMapOfOrSets(@ForAll(supplier = Generators.OrMapOfSetsRuns.class) Run<OrMap<String, DotMap<String, DotSet>>> run)
            throws Exception {
        Checks.assertDeterministic(Types.OR_MAP_OF_SETS, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyOrMapOfOrMapsOfOrSets(@ForAll(supplier = Generators.OrMapOfMapsOfSetsRuns.class) Run<OrMap<String, DotMap<String, DotMap<String, DotSet>>>> run)
            throws Exception {
        Checks.assertDeterministic(Types.OR_MAP_OF_MAPS_OF_SETS, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyOrMapOfMvRegisters(@ForAll(supplier = Generators.OrMapOfMvRegistersRuns.class) Run<OrMap<String, DotFun<Timestamped<String>>>> run)
            throws Exception {
        Checks.assertDeterministic(Types.OR_MAP_OF_MV_REGISTERS, run);
    }

    @Property(tries = 40)
    void shouldEncodeDeterministicallyOrMapOfEmbeddingRegisters(@ForAll(supplier = Generators.OrMapOfEmbeddingsRuns.class) Run<OrMap<String, DotFun<EmbeddingValue>>> run)
            throws Exception {
        Checks.assertDeterministic(Types.OR_MAP_OF_EMBEDDINGS, run);
    }

}
