package dev.starling.crdt.codec;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.Simulation.Run;
import dev.starling.crdt.codec.Simulation.Setup;
import dev.starling.crdt.codec.Simulation.Step;
import dev.starling.crdt.codec.Types.Type;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ArbitrarySupplier;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Arbitraries of reachable states and deltas: each value is a {@link Run} of random operations at
 * 2-4 replicas (see {@link Simulation}), which holds replica states, single deltas (remove deltas
 * included) and delta groups. Shrinking works on the replica setup and the step list.
 */
final class Generators {

    private Generators() {
    }

    /** Keys, set elements and nested keys: empty, ASCII, 2-, 3- and 4-byte UTF-8, a 16-byte key. */
    static final List<String> KEY_POOL = List.of("", "a", "b", "key", "k-0123456789abcd", "é", "日本語", "\uD83D\uDE00",
        "a/b.c", "\u0000", "Z", "zz");

    static Arbitrary<Setup> setups() {
        Arbitrary<List<ReplicaId>> ids = Arbitraries.longs().filter(v -> v != 0).list().uniqueElements()
            .ofMinSize(2).ofMaxSize(4).map(l -> l.stream().map(ReplicaId::new).toList());
        Arbitrary<Long> start = Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.longs().between(1_600_000_000_000L, 1_900_000_000_000L)),
            Tuple.of(1, Arbitraries.longs().between(0, 5)),
            Tuple.of(1, Arbitraries.just(Hlc.MAX_PHYSICAL_MS - 2_000_000)));
        Arbitrary<Integer> logical = Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just(0)),
            Tuple.of(1, Arbitraries.integers().between(1, 300)),
            Tuple.of(1, Arbitraries.integers().between(65_500, Hlc.MAX_LOGICAL)));
        Arbitrary<List<String>> keys = Arbitraries.of(KEY_POOL).list().uniqueElements().ofMinSize(1).ofMaxSize(5);
        return Combinators.combine(ids, start, logical, keys, Arbitraries.longs()).as(Setup::new);
    }

    static Arbitrary<Step> steps() {
        Arbitrary<Integer> advance = Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(0)),
            Tuple.of(2, Arbitraries.just(1)),
            Tuple.of(1, Arbitraries.integers().between(2, 3)));
        return Combinators.combine(Arbitraries.integers().between(0, 99), Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 15),
            Arbitraries.integers().between(0, 15), Arbitraries.longs(), advance).as(Step::new);
    }

    static <T extends Crdt<T>> Arbitrary<Run<T>> runs(Type<T> type) {
        return Combinators.combine(setups(), steps().list().ofMaxSize(40))
            .as((setup, steps) -> Simulation.run(type.model(), setup, steps));
    }

    static final class LwwRegisterRuns implements ArbitrarySupplier<Run<LwwRegister<String>>> {
        @Override
        public Arbitrary<Run<LwwRegister<String>>> get() {
            return runs(Types.LWW_REGISTER);
        }
    }

    static final class LwwMapRuns implements ArbitrarySupplier<Run<LwwMap<String, String>>> {
        @Override
        public Arbitrary<Run<LwwMap<String, String>>> get() {
            return runs(Types.LWW_MAP);
        }
    }

    static final class MvRegisterRuns implements ArbitrarySupplier<Run<MvRegister<String>>> {
        @Override
        public Arbitrary<Run<MvRegister<String>>> get() {
            return runs(Types.MV_REGISTER);
        }
    }

    static final class EmbeddingRegisterRuns implements ArbitrarySupplier<Run<EmbeddingRegister>> {
        @Override
        public Arbitrary<Run<EmbeddingRegister>> get() {
            return runs(Types.EMBEDDING_REGISTER);
        }
    }

    static final class OrSetRuns implements ArbitrarySupplier<Run<OrSet<String>>> {
        @Override
        public Arbitrary<Run<OrSet<String>>> get() {
            return runs(Types.OR_SET);
        }
    }

    static final class PnCounterRuns implements ArbitrarySupplier<Run<PnCounter>> {
        @Override
        public Arbitrary<Run<PnCounter>> get() {
            return runs(Types.PN_COUNTER);
        }
    }

    static final class OrMapOfDotSetsRuns implements ArbitrarySupplier<Run<OrMap<String, DotSet>>> {
        @Override
        public Arbitrary<Run<OrMap<String, DotSet>>> get() {
            return runs(Types.OR_MAP_OF_DOT_SETS);
        }
    }

    static final class OrMapOfSetsRuns implements ArbitrarySupplier<Run<OrMap<String, DotMap<String, DotSet>>>> {
        @Override
        public Arbitrary<Run<OrMap<String, DotMap<String, DotSet>>>> get() {
            return runs(Types.OR_MAP_OF_SETS);
        }
    }

    static final class OrMapOfMapsOfSetsRuns
            implements ArbitrarySupplier<Run<OrMap<String, DotMap<String, DotMap<String, DotSet>>>>> {
        @Override
        public Arbitrary<Run<OrMap<String, DotMap<String, DotMap<String, DotSet>>>>> get() {
            return runs(Types.OR_MAP_OF_MAPS_OF_SETS);
        }
    }

    static final class OrMapOfMvRegistersRuns implements ArbitrarySupplier<Run<OrMap<String, DotFun<Timestamped<String>>>>> {
        @Override
        public Arbitrary<Run<OrMap<String, DotFun<Timestamped<String>>>>> get() {
            return runs(Types.OR_MAP_OF_MV_REGISTERS);
        }
    }

    static final class OrMapOfEmbeddingsRuns implements ArbitrarySupplier<Run<OrMap<String, DotFun<EmbeddingValue>>>> {
        @Override
        public Arbitrary<Run<OrMap<String, DotFun<EmbeddingValue>>>> get() {
            return runs(Types.OR_MAP_OF_EMBEDDINGS);
        }
    }
}
