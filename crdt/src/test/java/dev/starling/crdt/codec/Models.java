package dev.starling.crdt.codec;

import dev.starling.crdt.Causal;
import dev.starling.crdt.CausalContext;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.DotStore;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.codec.Simulation.Model;
import dev.starling.crdt.codec.Simulation.Replica;
import dev.starling.crdt.codec.Simulation.Step;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

/** The simulated CRDT types: every type of the library, and OR-maps nesting each kind of store. */
final class Models {

    private Models() {
    }

    /** Embedding models and their fixed dimensions (a collection checks dimensions on write). */
    static final ModelVersion[] EMBEDDING_MODELS = {
        new ModelVersion(0, 0x1234L),
        new ModelVersion(1, -1L),
        new ModelVersion(1, Long.MIN_VALUE),
        new ModelVersion(7, 0x0123_4567_89AB_CDEFL),
    };
    static final int[] EMBEDDING_DIMS = {3, 8, 1, 384};

    static final Model<LwwRegister<String>> LWW_REGISTER = new Model<>() {
        @Override
        public String name() {
            return "LwwRegister";
        }

        @Override
        public LwwRegister<String> empty() {
            return LwwRegister.empty();
        }

        @Override
        public LwwRegister<String> operate(Replica r, LwwRegister<String> state, Step s, List<String> keys) {
            return LwwRegister.of(Math.floorMod(s.element(), 5) == 0 ? null : text(s.value()), r.clock.now());
        }

        @Override
        public void observe(LwwRegister<String> received, HybridLogicalClock clock) {
            if (received.hlc() != null) {
                clock.observe(received.hlc());
            }
        }
    };

    static final Model<LwwMap<String, String>> LWW_MAP = new Model<>() {
        @Override
        public String name() {
            return "LwwMap";
        }

        @Override
        public LwwMap<String, String> empty() {
            return LwwMap.empty();
        }

        @Override
        public LwwMap<String, String> operate(Replica r, LwwMap<String, String> state, Step s, List<String> keys) {
            String key = pick(keys, s.key());
            return Math.floorMod(s.element(), 4) == 0
                ? state.removeDelta(key, r.clock.now())
                : state.putDelta(key, text(s.value()), r.clock.now());
        }

        @Override
        public void observe(LwwMap<String, String> received, HybridLogicalClock clock) {
            received.forEachEntry((k, reg) -> clock.observe(reg.hlc()));
        }
    };

    static final Model<MvRegister<String>> MV_REGISTER = new Model<>() {
        @Override
        public String name() {
            return "MvRegister";
        }

        @Override
        public MvRegister<String> empty() {
            return MvRegister.empty();
        }

        @Override
        public MvRegister<String> operate(Replica r, MvRegister<String> state, Step s, List<String> keys) {
            return Math.floorMod(s.element(), 5) == 0 ? state.clearDelta() : state.writeDelta(r.clock.now(), text(s.value()));
        }

        @Override
        public void observe(MvRegister<String> received, HybridLogicalClock clock) {
            observeSiblings(received.store(), clock);
        }
    };

    static final Model<EmbeddingRegister> EMBEDDING_REGISTER = new Model<>() {
        @Override
        public String name() {
            return "EmbeddingRegister";
        }

        @Override
        public EmbeddingRegister empty() {
            return EmbeddingRegister.empty();
        }

        @Override
        public EmbeddingRegister operate(Replica r, EmbeddingRegister state, Step s, List<String> keys) {
            return Math.floorMod(s.element(), 5) == 0 ? state.clearDelta() : state.writeDelta(r.id, embedding(s.value()));
        }
    };

    static final Model<OrSet<String>> OR_SET = new Model<>() {
        @Override
        public String name() {
            return "OrSet";
        }

        @Override
        public OrSet<String> empty() {
            return OrSet.empty();
        }

        @Override
        public OrSet<String> operate(Replica r, OrSet<String> state, Step s, List<String> keys) {
            String e = pick(keys, s.key());
            return Math.floorMod(s.element(), 3) == 0 ? state.removeDelta(e) : state.addDelta(r.id, e);
        }
    };

    static final Model<PnCounter> PN_COUNTER = new Model<>() {
        @Override
        public String name() {
            return "PnCounter";
        }

        @Override
        public PnCounter empty() {
            return PnCounter.empty();
        }

        @Override
        public PnCounter operate(Replica r, PnCounter state, Step s, List<String> keys) {
            long v = s.value();
            long amount;
            switch (Math.floorMod(s.element(), 6)) {
                case 0: amount = 0; break;
                case 1: amount = Math.floorMod(v, 100); break;
                case 2: amount = -Math.floorMod(v, 100); break;
                case 3: amount = Long.MAX_VALUE / 3; break;
                case 4: amount = -(Long.MAX_VALUE / 3); break;
                default: amount = v; break;
            }
            try {
                return state.updateDelta(r.id, amount);
            } catch (IllegalArgumentException overflow) {
                return null;
            }
        }
    };

    /** An OR-map of flags: a key holds a dot set while enabled (update-wins over remove). */
    static final Model<OrMap<String, DotSet>> OR_MAP_OF_DOT_SETS = new NestedModel<>("OrMap<DotSet>", DotSet.empty()) {
        @Override
        BiFunction<DotSet, CausalContext, Causal<DotSet>> mutator(Replica r, Step s, List<String> keys) {
            if (Math.floorMod(s.element(), 4) == 0) {
                return (st, c) -> new Causal<>(DotSet.empty(), st.toContext());
            }
            return (st, c) -> {
                Dot dot = c.nextDot(r.id);
                return new Causal<>(DotSet.of(dot), st.toContext().add(dot));
            };
        }
    };

    /** An OR-map of OR-sets. */
    static final Model<OrMap<String, DotMap<String, DotSet>>> OR_MAP_OF_SETS =
        new NestedModel<>("OrMap<OrSet>", DotMap.<String, DotSet>empty()) {
            @Override
            BiFunction<DotMap<String, DotSet>, CausalContext, Causal<DotMap<String, DotSet>>> mutator(
                    Replica r, Step s, List<String> keys) {
                return setMutator(r, s, keys);
            }
        };

    /** An OR-map of OR-maps of OR-sets (three levels of maps). */
    static final Model<OrMap<String, DotMap<String, DotMap<String, DotSet>>>> OR_MAP_OF_MAPS_OF_SETS =
        new NestedModel<>("OrMap<OrMap<OrSet>>", DotMap.<String, DotMap<String, DotSet>>empty()) {
            @Override
            BiFunction<DotMap<String, DotMap<String, DotSet>>, CausalContext,
                    Causal<DotMap<String, DotMap<String, DotSet>>>> mutator(Replica r, Step s, List<String> keys) {
                String inner = pick(keys, s.element() >> 2);
                if (Math.floorMod(s.value(), 5) == 0) {
                    return (st, c) -> {
                        DotMap<String, DotSet> current = st.get(inner);
                        return current == null
                            ? new Causal<>(DotMap.emptyDelta(), CausalContext.empty())
                            : new Causal<>(DotMap.removal(inner), Causal.dotsOf(current));
                    };
                }
                BiFunction<DotMap<String, DotSet>, CausalContext, Causal<DotMap<String, DotSet>>> set = setMutator(r, s, keys);
                return (st, c) -> {
                    DotMap<String, DotSet> current = st.get(inner);
                    Causal<DotMap<String, DotSet>> d = set.apply(current == null ? DotMap.empty() : current, c);
                    return new Causal<>(DotMap.delta(inner, d.store()), d.context());
                };
            }
        };

    /** An OR-map of multi-value registers. */
    static final Model<OrMap<String, DotFun<Timestamped<String>>>> OR_MAP_OF_MV_REGISTERS =
        new NestedModel<>("OrMap<MvRegister>", DotFun.<Timestamped<String>>empty()) {
            @Override
            BiFunction<DotFun<Timestamped<String>>, CausalContext, Causal<DotFun<Timestamped<String>>>> mutator(
                    Replica r, Step s, List<String> keys) {
                if (Math.floorMod(s.element(), 4) == 0) {
                    return (st, c) -> new Causal<>(DotFun.empty(), st.toContext());
                }
                return (st, c) -> MvRegister.writeDelta(st, c, r.clock.now(), text(s.value()));
            }

            @Override
            public void observe(OrMap<String, DotFun<Timestamped<String>>> received, HybridLogicalClock clock) {
                received.forEach((k, f) -> observeSiblings(f, clock));
            }
        };

    /** An OR-map of embedding registers: a collection's documents. */
    static final Model<OrMap<String, DotFun<EmbeddingValue>>> OR_MAP_OF_EMBEDDINGS =
        new NestedModel<>("OrMap<EmbeddingRegister>", DotFun.<EmbeddingValue>empty()) {
            @Override
            BiFunction<DotFun<EmbeddingValue>, CausalContext, Causal<DotFun<EmbeddingValue>>> mutator(
                    Replica r, Step s, List<String> keys) {
                if (Math.floorMod(s.element(), 4) == 0) {
                    return (st, c) -> new Causal<>(DotFun.empty(), st.toContext());
                }
                return (st, c) -> EmbeddingRegister.writeDelta(st, c, r.id, embedding(s.value()));
            }
        };

    /** OR-maps: a step updates a key with the nested mutator, or removes the key. */
    abstract static class NestedModel<S extends DotStore<S>> implements Model<OrMap<String, S>> {
        private final String name;
        private final S emptyNested;

        NestedModel(String name, S emptyNested) {
            this.name = name;
            this.emptyNested = emptyNested;
        }

        abstract BiFunction<S, CausalContext, Causal<S>> mutator(Replica r, Step s, List<String> keys);

        @Override
        public String name() {
            return name;
        }

        @Override
        public OrMap<String, S> empty() {
            return OrMap.empty();
        }

        @Override
        public OrMap<String, S> operate(Replica r, OrMap<String, S> state, Step s, List<String> keys) {
            String key = pick(keys, s.key());
            if (Math.floorMod(s.kind(), 7) == 0) {
                return state.removeDelta(key);
            }
            return state.updateDelta(key, emptyNested, mutator(r, s, keys));
        }
    }

    static BiFunction<DotMap<String, DotSet>, CausalContext, Causal<DotMap<String, DotSet>>> setMutator(
            Replica r, Step s, List<String> keys) {
        String e = pick(keys, s.element());
        if (Math.floorMod(s.element(), 3) == 0) {
            return (st, c) -> OrSet.removeDelta(st, e);
        }
        return (st, c) -> OrSet.addDelta(st, c, r.id, e);
    }

    static <T> T pick(List<T> pool, int i) {
        return pool.get(Math.floorMod(i, pool.size()));
    }

    /** A value string: empty, ASCII, or with 2-, 3- and 4-byte UTF-8 characters. */
    static String text(long v) {
        switch ((int) Math.floorMod(v, 8L)) {
            case 0:
                return "";
            case 1:
                return "é" + Long.toString(v, 36);
            case 2:
                return "\uD83D\uDE00" + (v & 0xFF);
            case 3:
                return "日本語-" + Long.toHexString(v);
            default:
                return Long.toString(v, 36);
        }
    }

    /** An embedding of one of the models, its vector derived from {@code v}. */
    static EmbeddingValue embedding(long v) {
        int m = Math.floorMod(v >> 3, 8) == 0 ? 3 : (int) Math.floorMod(v >> 6, 3L);
        return EmbeddingValue.quantize(EMBEDDING_MODELS[m], vector(v, EMBEDDING_DIMS[m]));
    }

    static float[] vector(long seed, int dims) {
        Random random = new Random(seed);
        float[] x = new float[dims];
        switch ((int) Math.floorMod(seed, 4L)) {
            case 0:
                x[random.nextInt(dims)] = random.nextBoolean() ? 1 : -1;
                break;
            case 1:
                for (int i = 0; i < dims; i++) {
                    x[i] = (float) (random.nextGaussian() * 1e-30);
                }
                x[0] = x[0] == 0 ? 1e-30f : x[0];
                break;
            default:
                for (int i = 0; i < dims; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                x[0] = x[0] == 0 ? 1 : x[0];
                break;
        }
        return x;
    }

    static <V> void observeSiblings(DotFun<Timestamped<V>> store, HybridLogicalClock clock) {
        store.forEach((dot, t) -> clock.observe(t.hlc()));
    }
}
