package dev.starling.crdt.codec;

import dev.starling.crdt.Crdt;
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
import dev.starling.crdt.codec.Simulation.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Every type under test with its typed codec and the {@link CrdtCodec} that can carry it. */
final class Types {

    private Types() {
    }

    static final DecodeLimits LIMITS = DecodeLimits.DEFAULT;

    static final StoreCodec<DotSet> DOT_SET = StoreCodec.dotSet(LIMITS);
    static final StoreCodec<DotMap<String, DotSet>> SET_MAP = StoreCodec.dotMap(ValueCodec.utf8(), DOT_SET, LIMITS);
    static final StoreCodec<DotMap<String, DotMap<String, DotSet>>> SET_MAP_MAP =
        StoreCodec.dotMap(ValueCodec.utf8(), SET_MAP, LIMITS);
    static final StoreCodec<DotFun<Timestamped<String>>> MV_FUN =
        StoreCodec.dotFun(DotValueCodec.timestamped(ValueCodec.utf8(), LIMITS), LIMITS);
    static final StoreCodec<DotFun<EmbeddingValue>> EMBEDDING_FUN = StoreCodec.dotFun(DotValueCodec.embedding(LIMITS), LIMITS);

    static final CrdtCodec<String, DotSet> CRDT_DOT_SETS = new CrdtCodec<>(ValueCodec.utf8(), DOT_SET, LIMITS);
    static final CrdtCodec<String, DotMap<String, DotSet>> CRDT_SETS = new CrdtCodec<>(ValueCodec.utf8(), SET_MAP, LIMITS);
    static final CrdtCodec<String, DotMap<String, DotMap<String, DotSet>>> CRDT_MAPS_OF_SETS =
        new CrdtCodec<>(ValueCodec.utf8(), SET_MAP_MAP, LIMITS);
    static final CrdtCodec<String, DotFun<Timestamped<String>>> CRDT_MV = new CrdtCodec<>(ValueCodec.utf8(), MV_FUN, LIMITS);
    static final CrdtCodec<String, DotFun<EmbeddingValue>> CRDT_EMBEDDINGS =
        new CrdtCodec<>(ValueCodec.utf8(), EMBEDDING_FUN, LIMITS);

    /** A type: how to simulate it, its codec, and the type-tagged codec. */
    record Type<T extends Crdt<T>>(Model<T> model, StateCodec<T> codec, CrdtCodec<?, ?> crdt) {
        Type {
            Objects.requireNonNull(model);
            Objects.requireNonNull(codec);
            Objects.requireNonNull(crdt);
        }

        String name() {
            return model.name();
        }

        @Override
        public String toString() {
            return name();
        }
    }

    static final Type<LwwRegister<String>> LWW_REGISTER =
        new Type<>(Models.LWW_REGISTER, new LwwRegisterCodec<>(ValueCodec.utf8(), LIMITS), CRDT_SETS);
    static final Type<LwwMap<String, String>> LWW_MAP =
        new Type<>(Models.LWW_MAP, new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.utf8(), LIMITS), CRDT_SETS);
    static final Type<MvRegister<String>> MV_REGISTER =
        new Type<>(Models.MV_REGISTER, new MvRegisterCodec<>(ValueCodec.utf8(), LIMITS), CRDT_SETS);
    static final Type<EmbeddingRegister> EMBEDDING_REGISTER =
        new Type<>(Models.EMBEDDING_REGISTER, new EmbeddingRegisterCodec(LIMITS), CRDT_SETS);
    static final Type<OrSet<String>> OR_SET = new Type<>(Models.OR_SET, new OrSetCodec<>(ValueCodec.utf8(), LIMITS), CRDT_SETS);
    static final Type<PnCounter> PN_COUNTER = new Type<>(Models.PN_COUNTER, new PnCounterCodec(LIMITS), CRDT_SETS);
    static final Type<OrMap<String, DotSet>> OR_MAP_OF_DOT_SETS =
        new Type<>(Models.OR_MAP_OF_DOT_SETS, new OrMapCodec<>(ValueCodec.utf8(), DOT_SET, LIMITS), CRDT_DOT_SETS);
    static final Type<OrMap<String, DotMap<String, DotSet>>> OR_MAP_OF_SETS =
        new Type<>(Models.OR_MAP_OF_SETS, new OrMapCodec<>(ValueCodec.utf8(), SET_MAP, LIMITS), CRDT_SETS);
    static final Type<OrMap<String, DotMap<String, DotMap<String, DotSet>>>> OR_MAP_OF_MAPS_OF_SETS =
        new Type<>(Models.OR_MAP_OF_MAPS_OF_SETS, new OrMapCodec<>(ValueCodec.utf8(), SET_MAP_MAP, LIMITS),
            CRDT_MAPS_OF_SETS);
    static final Type<OrMap<String, DotFun<Timestamped<String>>>> OR_MAP_OF_MV_REGISTERS =
        new Type<>(Models.OR_MAP_OF_MV_REGISTERS, new OrMapCodec<>(ValueCodec.utf8(), MV_FUN, LIMITS), CRDT_MV);
    static final Type<OrMap<String, DotFun<EmbeddingValue>>> OR_MAP_OF_EMBEDDINGS =
        new Type<>(Models.OR_MAP_OF_EMBEDDINGS, new OrMapCodec<>(ValueCodec.utf8(), EMBEDDING_FUN, LIMITS),
            CRDT_EMBEDDINGS);

    static final List<Type<?>> ALL = List.of(LWW_REGISTER, LWW_MAP, MV_REGISTER, EMBEDDING_REGISTER, OR_SET, PN_COUNTER,
        OR_MAP_OF_DOT_SETS, OR_MAP_OF_SETS, OR_MAP_OF_MAPS_OF_SETS, OR_MAP_OF_MV_REGISTERS, OR_MAP_OF_EMBEDDINGS);

    /** A decoder under fuzz: decodes anything, and re-encodes what it decoded. */
    interface Decoder {
        String name();

        Object decode(byte[] bytes) throws CrdtDecodeException;

        byte[] encode(Object value);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Decoder decoder(String name, StateCodec codec) {
        return new Decoder() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object decode(byte[] bytes) throws CrdtDecodeException {
                return codec.decode(bytes);
            }

            @Override
            public byte[] encode(Object value) {
                return codec.encode(value);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** Tight limits, so fuzzed input reaches every limit check. */
    static final DecodeLimits TIGHT = new DecodeLimits(2, 4, 8, 2);

    /**
     * Every decoder: each typed codec, each type-tagged codec (one per OR-map nesting), and a few
     * with tight limits and other value codecs.
     */
    static final List<Decoder> DECODERS = decoders();

    private static List<Decoder> decoders() {
        List<Decoder> out = new ArrayList<>();
        for (Type<?> t : ALL) {
            out.add(decoder(t.name(), t.codec()));
        }
        out.add(decoder("CrdtCodec<DotSet>", CRDT_DOT_SETS));
        out.add(decoder("CrdtCodec<OrSet>", CRDT_SETS));
        out.add(decoder("CrdtCodec<OrMap<OrSet>>", CRDT_MAPS_OF_SETS));
        out.add(decoder("CrdtCodec<MvRegister>", CRDT_MV));
        out.add(decoder("CrdtCodec<EmbeddingRegister>", CRDT_EMBEDDINGS));
        out.add(decoder("CrdtCodec<int64>", new CrdtCodec<>(ValueCodec.int64(), DOT_SET, LIMITS)));
        out.add(decoder("LwwMap<int64>", new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.int64(), LIMITS)));
        StoreCodec<DotSet> tightSet = StoreCodec.dotSet(TIGHT);
        StoreCodec<DotMap<String, DotSet>> tightMap = StoreCodec.dotMap(ValueCodec.utf8(), tightSet, TIGHT);
        out.add(decoder("tight CrdtCodec<OrMap<OrSet>>",
            new CrdtCodec<>(ValueCodec.utf8(), StoreCodec.dotMap(ValueCodec.utf8(), tightMap, TIGHT), TIGHT)));
        out.add(decoder("tight CrdtCodec<MvRegister>", new CrdtCodec<>(ValueCodec.utf8(),
            StoreCodec.dotFun(DotValueCodec.timestamped(ValueCodec.utf8(), TIGHT), TIGHT), TIGHT)));
        out.add(decoder("tight CrdtCodec<EmbeddingRegister>",
            new CrdtCodec<>(ValueCodec.utf8(), StoreCodec.dotFun(DotValueCodec.embedding(TIGHT), TIGHT), TIGHT)));
        return List.copyOf(out);
    }
}
