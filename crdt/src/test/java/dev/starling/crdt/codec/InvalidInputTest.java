package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnknownFieldSet;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.DotStore;
import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.Types.Decoder;
import dev.starling.crdt.codec.Types.Type;
import dev.starling.crdt.proto.v1.CausalContextProto;
import dev.starling.crdt.proto.v1.CrdtProto;
import dev.starling.crdt.proto.v1.DotFunEntryProto;
import dev.starling.crdt.proto.v1.DotFunProto;
import dev.starling.crdt.proto.v1.DotMapEntryProto;
import dev.starling.crdt.proto.v1.DotMapProto;
import dev.starling.crdt.proto.v1.DotSetProto;
import dev.starling.crdt.proto.v1.DotStoreProto;
import dev.starling.crdt.proto.v1.EmbeddingProto;
import dev.starling.crdt.proto.v1.EmbeddingRegisterProto;
import dev.starling.crdt.proto.v1.EmbeddingSiblingProto;
import dev.starling.crdt.proto.v1.LwwMapEntryProto;
import dev.starling.crdt.proto.v1.LwwMapProto;
import dev.starling.crdt.proto.v1.LwwRegisterProto;
import dev.starling.crdt.proto.v1.MvRegisterProto;
import dev.starling.crdt.proto.v1.MvSiblingProto;
import dev.starling.crdt.proto.v1.OrMapProto;
import dev.starling.crdt.proto.v1.OrSetElementProto;
import dev.starling.crdt.proto.v1.OrSetProto;
import dev.starling.crdt.proto.v1.PnCounterEntryProto;
import dev.starling.crdt.proto.v1.PnCounterProto;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One explicit invalid input per rule the decoders check, built with the generated protobuf
 * builders (or as raw bytes where builders cannot express it). Each rule is checked on the typed
 * codec and, tagged, on {@link CrdtCodec}; most next to a valid input that differs only in the
 * checked detail, so a rejection cannot come from some other defect of the input.
 */
class InvalidInputTest {

    private static final long A = 0xA;
    private static final long B = 0xB;
    private static final long T = 1_767_225_600_000L;
    private static final long TWO_TO_63 = 1L << 63;

    private static final StateCodec<LwwRegister<String>> LWW_REGISTER = Types.LWW_REGISTER.codec();
    private static final StateCodec<LwwMap<String, String>> LWW_MAP = Types.LWW_MAP.codec();
    private static final StateCodec<MvRegister<String>> MV_REGISTER = Types.MV_REGISTER.codec();
    private static final StateCodec<EmbeddingRegister> EMBEDDING = Types.EMBEDDING_REGISTER.codec();
    private static final StateCodec<OrSet<String>> OR_SET = Types.OR_SET.codec();
    private static final StateCodec<PnCounter> PN_COUNTER = Types.PN_COUNTER.codec();
    private static final StateCodec<OrMap<String, DotSet>> OR_MAP_OF_DOT_SETS = Types.OR_MAP_OF_DOT_SETS.codec();
    private static final StateCodec<OrMap<String, DotMap<String, DotSet>>> OR_MAP_OF_SETS = Types.OR_MAP_OF_SETS.codec();
    private static final StateCodec<?> OR_MAP_OF_MV = Types.OR_MAP_OF_MV_REGISTERS.codec();
    private static final StateCodec<?> OR_MAP_OF_EMBEDDINGS = Types.OR_MAP_OF_EMBEDDINGS.codec();
    private static final CrdtCodec<?, ?> CRDT = Types.CRDT_SETS;

    // ---- truncated and malformed framing ----

    @Test
    void shouldRejectTruncatedInputOfEveryType() throws Exception {
        for (Map.Entry<Type<?>, Crdt<?>> e : samples().entrySet()) {
            byte[] typed = encode(e.getKey(), e.getValue());
            byte[] tagged = e.getKey().crdt().encode(e.getValue());
            assertThat(e.getKey().codec().decode(typed)).isEqualTo(e.getValue());
            assertRejected(e.getKey().codec(), Arrays.copyOf(typed, typed.length - 1));
            assertRejected(e.getKey().crdt(), Arrays.copyOf(tagged, tagged.length - 1));
            assertRejected(e.getKey().crdt(), Arrays.copyOf(tagged, 1));
        }
    }

    @Test
    void shouldRejectALengthLongerThanTheInputAndAVarintCutShort() {
        byte[] valid = OrSetProto.newBuilder().addElements(element("x", A, 1)).setContext(vv(A, 1)).build().toByteArray();
        byte[] longer = valid.clone();
        longer[1] = (byte) (longer[1] + 1);
        assertRejected(OR_SET, longer);
        assertRejected(PN_COUNTER, new byte[] {0x0A, 0x03, 0x10, (byte) 0x80});
        assertRejected(LWW_REGISTER, new byte[] {0x10, (byte) 0xFF, (byte) 0xFF});
        assertRejected(CRDT, new byte[] {0x3A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
    }

    @Test
    void shouldRejectNullInputInEveryDecoder() {
        for (Decoder d : Types.DECODERS) {
            assertThatThrownBy(() -> d.decode(null)).as(d.name()).isInstanceOf(CrdtDecodeException.class);
        }
    }

    // ---- unknown types ----

    @Test
    void shouldRejectACrdtWithNoKindSet() {
        for (CrdtCodec<?, ?> crdt : crdtCodecs()) {
            assertRejected(crdt, new byte[0]);
            assertRejected(crdt, CrdtProto.getDefaultInstance().toByteArray());
        }
    }

    @Test
    void shouldRejectACrdtWithOnlyAnUnknownField() {
        ByteString futureType = OrSetProto.newBuilder().addElements(element("x", A, 1)).setContext(vv(A, 1)).build().toByteString();
        List<UnknownFieldSet> unknowns = List.of(
            UnknownFieldSet.newBuilder().addField(8, UnknownFieldSet.Field.newBuilder().addLengthDelimited(futureType).build()).build(),
            UnknownFieldSet.newBuilder().addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build(),
            UnknownFieldSet.newBuilder().addField(1000, UnknownFieldSet.Field.newBuilder().addFixed64(-1).build()).build());
        for (UnknownFieldSet unknown : unknowns) {
            byte[] bytes = CrdtProto.newBuilder().setUnknownFields(unknown).build().toByteArray();
            for (CrdtCodec<?, ?> crdt : crdtCodecs()) {
                assertRejected(crdt, bytes);
            }
        }
    }

    @Test
    void shouldRejectANestedStoreOfNoKindOrTheWrongKind() throws Exception {
        CausalContextProto ctx = vv(A, 1);
        assertAccepted(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(ctx, mapEntry("k", set(A, 1))));
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(ctx, mapEntry("k", DotStoreProto.getDefaultInstance())));
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(ctx, DotMapEntryProto.newBuilder().setKey(utf8("k")).build()));
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(ctx, mapEntry("k", fun(funEntry(A, 1, ByteString.EMPTY)))));
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(ctx, mapEntry("k", map(mapEntry("x", set(A, 1))))));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(ctx, mapEntry("k", set(A, 1))));
        assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(ctx, mapEntry("k", set(A, 1))));
    }

    @Test
    void shouldAcceptUnknownFieldsOfKnownMessages() throws Exception {
        OrSetProto valid = OrSetProto.newBuilder().addElements(element("x", A, 1)).setContext(vv(A, 1)).build();
        OrSetProto withFuture = valid.toBuilder()
            .setUnknownFields(UnknownFieldSet.newBuilder().addField(15, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build())
            .build();
        assertThat(OR_SET.decode(withFuture.toByteArray())).isEqualTo(OR_SET.decode(valid.toByteArray()));
    }

    // ---- unsigned 64-bit numbers of 2^63 and more (negative as a Java long) ----

    @Test
    void shouldRejectDotCountersOf2To63AndMore() throws Exception {
        for (long counter : new long[] {TWO_TO_63, -1}) {
            assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, counter)).setContext(vv(A, 1)).build());
            assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, counter, T, 0, "v")).setContext(vv(A, 1)).build());
            assertRejected(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(embSibling(A, counter, 1, 3, 0.01f)).setContext(vv(A, 1)).build());
            assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1), mapEntry("k", set(A, counter))));
            assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, counter, mvValue(T, 0, "v"))))));
        }
        assertAccepted(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, Long.MAX_VALUE)).setContext(vv(A, Long.MAX_VALUE)).build());
    }

    @Test
    void shouldRejectVersionVectorAndCloudCountersOf2To63AndMore() {
        for (long counter : new long[] {TWO_TO_63, -1, 0}) {
            assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(vv(A, counter)).build());
            assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(cloud(A, counter)).build());
            assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().setContext(vv(A, 1, B, counter)).build());
            assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder().setContext(cloud(B, counter)).build());
        }
    }

    @Test
    void shouldRejectPnCounterTotalsOf2To63AndMore() throws Exception {
        assertAccepted(PN_COUNTER, CRDT, counter(pn(A, Long.MAX_VALUE, Long.MAX_VALUE)));
        assertRejected(PN_COUNTER, CRDT, counter(pn(A, TWO_TO_63, 0)));
        assertRejected(PN_COUNTER, CRDT, counter(pn(A, 0, TWO_TO_63)));
        assertRejected(PN_COUNTER, CRDT, counter(pn(A, -1, 0)));
        assertRejected(PN_COUNTER, CRDT, counter(pn(A, 1, 1), pn(B, 0, -1)));
    }

    // ---- replica ids ----

    @Test
    void shouldRejectReplicaIdZero() throws Exception {
        assertAccepted(LWW_REGISTER, CRDT, LwwRegisterProto.getDefaultInstance());
        assertRejected(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setValue(utf8("v")).setPhysicalMs(T).build());
        assertRejected(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setPhysicalMs(T).build());
        assertRejected(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setValue(utf8("v")).build());
        assertRejected(LWW_MAP, CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", "v", T, 0, 0)).build());
        assertRejected(PN_COUNTER, CRDT, counter(pn(0, 1, 0)));
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", 0, 1)).setContext(vv(A, 1)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(vv(0, 1)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(cloud(0, 3)).build());
        assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(0, 1, T, 0, "v")).setContext(vv(A, 1)).build());
        assertRejected(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(embSibling(0, 1, 1, 3, 0.01f)).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1), mapEntry("k", set(0, 1))));
        assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(0, 1, mvValue(T, 0, "v"))))));
    }

    // ---- parallel arrays ----

    @Test
    void shouldRejectParallelArraysOfDifferentLengths() {
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder()
            .setContext(CausalContextProto.newBuilder().addVvReplicas(A).addVvReplicas(B).addVvCounters(1)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder()
            .setContext(CausalContextProto.newBuilder().addCloudReplicas(A).addCloudCounters(3).addCloudCounters(5)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder()
            .addElements(OrSetElementProto.newBuilder().setElement(utf8("x")).addReplicas(A).addReplicas(B).addCounters(1))
            .setContext(vv(A, 1, B, 1)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1, B, 1), mapEntry("k",
            DotStoreProto.newBuilder().setSet(DotSetProto.newBuilder().addReplicas(A).addCounters(1).addCounters(2)).build())));
    }

    // ---- duplicates ----

    @Test
    void shouldRejectDuplicateKeysElementsAndReplicas() throws Exception {
        assertRejected(LWW_MAP, CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", "v", T, 0, A)).addEntries(lwwEntry("k", "w", T, 1, B)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 1)).addElements(element("x", A, 2)).setContext(vv(A, 2)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 2), mapEntry("k", set(A, 1)), mapEntry("k", set(A, 2))));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 2), mapEntry("k", map(mapEntry("x", set(A, 1)), mapEntry("x", set(A, 2))))));
        assertRejected(PN_COUNTER, CRDT, counter(pn(A, 1, 0), pn(A, 2, 0)));
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(vv(A, 1, A, 2)).build());
        // removed lists are sets too
        assertAccepted(OR_SET, CRDT, OrSetProto.newBuilder().setKeyComplete(true).addRemoved(utf8("x")).addRemoved(utf8("y")).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setKeyComplete(true).addRemoved(utf8("x")).addRemoved(utf8("x")).build());
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder()
            .setStore(DotMapProto.newBuilder().setKeyComplete(true).addRemoved(utf8("k")).addRemoved(utf8("k"))).build());
    }

    @Test
    void shouldRejectDuplicateDots() throws Exception {
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 1, A, 1)).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1), mapEntry("k", set(A, 1, A, 1))));
        assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, T, 0, "v"))
            .addSiblings(mvSibling(A, 1, T, 1, "w")).setContext(vv(A, 1)).build());
        assertRejected(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(embSibling(A, 1, 1, 3, 0.01f))
            .addSiblings(embSibling(A, 1, 1, 3, 0.02f)).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k",
            fun(funEntry(A, 1, mvValue(T, 0, "v")), funEntry(A, 1, mvValue(T, 1, "w"))))));
    }

    @Test
    void shouldRejectDuplicateDotsInTheDotCloud() throws Exception {
        assertAccepted(OR_SET, CRDT, OrSetProto.newBuilder().setContext(cloud(A, 3, A, 5)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(cloud(A, 3, A, 3)).build());
        CausalContextProto seenTwice = CausalContextProto.newBuilder().addVvReplicas(A).addVvCounters(5)
            .addCloudReplicas(A).addCloudCounters(3).build();
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setContext(seenTwice).build());
        assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().setContext(seenTwice).build());
    }

    @Test
    void shouldRejectOneDotUnderTwoKeys() throws Exception {
        assertAccepted(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 1)).addElements(element("y", A, 2)).setContext(vv(A, 2)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 1)).addElements(element("y", A, 1)).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1), mapEntry("k", set(A, 1)), mapEntry("l", set(A, 1))));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), mapEntry("k", map(mapEntry("x", set(A, 1)), mapEntry("y", set(A, 1))))));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), mapEntry("k", map(mapEntry("x", set(A, 1)))),
            mapEntry("l", map(mapEntry("x", set(A, 1))))));
        assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1, mvValue(T, 0, "v")))),
            mapEntry("l", fun(funEntry(A, 1, mvValue(T, 0, "v"))))));
    }

    // ---- structure ----

    @Test
    void shouldRejectEntriesWithoutDots() throws Exception {
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(OrSetElementProto.newBuilder().setElement(utf8("x"))).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1), mapEntry("k", DotStoreProto.newBuilder().setSet(DotSetProto.getDefaultInstance()).build())));
        assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", DotStoreProto.newBuilder().setFun(DotFunProto.getDefaultInstance()).build())));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), mapEntry("k", DotStoreProto.newBuilder().setMap(DotMapProto.getDefaultInstance()).build())));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), mapEntry("k", DotStoreProto.newBuilder()
            .setMap(DotMapProto.newBuilder().setKeyComplete(true).addRemoved(utf8("x"))).build())));
        assertAccepted(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.getDefaultInstance());
    }

    @Test
    void shouldRejectStoreDotsTheContextHasNotSeen() throws Exception {
        assertAccepted(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 5)).setContext(cloud(A, 5)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 5)).setContext(vv(A, 4)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", B, 1)).setContext(vv(A, 4)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 1)).build());
        assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 2, T, 0, "v")).setContext(vv(A, 1)).build());
        assertRejected(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(embSibling(A, 2, 1, 3, 0.01f)).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_DOT_SETS, Types.CRDT_DOT_SETS, orMap(vv(A, 1), mapEntry("k", set(A, 2))));
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), mapEntry("k", map(mapEntry("x", set(B, 1))))));
    }

    @Test
    void shouldRejectRemovedKeysInAStateThatIsNotKeyComplete() throws Exception {
        assertAccepted(OR_SET, CRDT, OrSetProto.newBuilder().setKeyComplete(true).addRemoved(utf8("x")).setContext(vv(A, 1)).build());
        assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addRemoved(utf8("x")).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder()
            .setStore(DotMapProto.newBuilder().addRemoved(utf8("k"))).setContext(vv(A, 1)).build());
        DotStoreProto nested = DotStoreProto.newBuilder().setMap(DotMapProto.newBuilder()
            .addEntries(mapEntry("x", set(A, 1))).addRemoved(utf8("y"))).build();
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder().setStore(DotMapProto.newBuilder()
            .setKeyComplete(true).addEntries(mapEntry("k", nested))).setContext(vv(A, 1)).build());
    }

    @Test
    void shouldRejectAKeyCompleteMapNestedInAState() throws Exception {
        DotStoreProto keyComplete = DotStoreProto.newBuilder().setMap(DotMapProto.newBuilder()
            .addEntries(mapEntry("x", set(A, 1))).setKeyComplete(true).addRemoved(utf8("y"))).build();
        assertAccepted(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder().setStore(DotMapProto.newBuilder()
            .setKeyComplete(true).addEntries(mapEntry("k", keyComplete))).setContext(vv(A, 1)).build());
        assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder().setStore(DotMapProto.newBuilder()
            .addEntries(mapEntry("k", keyComplete))).setContext(vv(A, 1)).build());
    }

    // ---- hybrid logical clocks ----

    @Test
    void shouldRejectHlcPhysicalTimesOver48Bits() throws Exception {
        long max = Hlc.MAX_PHYSICAL_MS;
        assertAccepted(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setValue(utf8("v")).setPhysicalMs(max).setReplica(A).build());
        assertAccepted(LWW_MAP, CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", "v", max, 0, A)).build());
        assertAccepted(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, max, 0, "v")).setContext(vv(A, 1)).build());
        assertAccepted(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1, mvValue(max, 0, "v"))))));
        for (long physical : new long[] {max + 1, TWO_TO_63, -1}) {
            assertRejected(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setValue(utf8("v")).setPhysicalMs(physical).setReplica(A).build());
            assertRejected(LWW_MAP, CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", null, physical, 0, A)).build());
            assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, physical, 0, "v")).setContext(vv(A, 1)).build());
            assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1, mvValue(physical, 0, "v"))))));
        }
    }

    @Test
    void shouldRejectHlcLogicalCountersOver16Bits() throws Exception {
        assertAccepted(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setPhysicalMs(T).setLogical(Hlc.MAX_LOGICAL).setReplica(A).build());
        assertAccepted(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, T, Hlc.MAX_LOGICAL, "v")).setContext(vv(A, 1)).build());
        for (int logical : new int[] {Hlc.MAX_LOGICAL + 1, Integer.MAX_VALUE, -1}) {
            assertRejected(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setPhysicalMs(T).setLogical(logical).setReplica(A).build());
            assertRejected(LWW_MAP, CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", "v", T, logical, A)).build());
            assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, T, logical, "v")).setContext(vv(A, 1)).build());
            assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1, mvValue(T, logical, "v"))))));
        }
    }

    // ---- embeddings ----

    @Test
    void shouldRejectEmbeddingDimensions0And4097() throws Exception {
        assertAccepted(EMBEDDING, CRDT, embeddingRegister(embSibling(A, 1, 1, EmbeddingValue.MAX_DIMENSIONS, 0.01f)));
        assertAccepted(OR_MAP_OF_EMBEDDINGS, Types.CRDT_EMBEDDINGS, orMap(vv(A, 1), mapEntry("d", fun(funEntry(A, 1, embValue(1, EmbeddingValue.MAX_DIMENSIONS, 0.01f))))));
        for (int dims : new int[] {0, EmbeddingValue.MAX_DIMENSIONS + 1}) {
            assertRejected(EMBEDDING, CRDT, embeddingRegister(embSibling(A, 1, 1, dims, 0.01f)));
            assertRejected(OR_MAP_OF_EMBEDDINGS, Types.CRDT_EMBEDDINGS, orMap(vv(A, 1), mapEntry("d", fun(funEntry(A, 1, embValue(1, dims, 0.01f))))));
        }
    }

    @Test
    void shouldRejectEmbeddingScalesThatAreNotFiniteAndPositive() throws Exception {
        for (float scale : new float[] {Float.MIN_VALUE, 1f / 127, Float.MAX_VALUE}) {
            assertAccepted(EMBEDDING, CRDT, embeddingRegister(embSibling(A, 1, 1, 3, scale)));
        }
        float[] invalid = {Float.NaN, Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFC00000),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, -1f, -Float.MIN_VALUE};
        for (float scale : invalid) {
            assertRejected(EMBEDDING, CRDT, embeddingRegister(embSibling(A, 1, 1, 3, scale)));
            assertRejected(OR_MAP_OF_EMBEDDINGS, Types.CRDT_EMBEDDINGS, orMap(vv(A, 1), mapEntry("d", fun(funEntry(A, 1, embValue(1, 3, scale))))));
        }
    }

    @Test
    void shouldRejectModelGenerationsOver31Bits() {
        EmbeddingSiblingProto s = embSibling(A, 1, 1, 3, 0.01f).toBuilder().setModelGeneration(Integer.MIN_VALUE).build();
        assertRejected(EMBEDDING, CRDT, embeddingRegister(s));
        ByteString value = EmbeddingProto.newBuilder().setModelGeneration(-1).setScale(0.01f).setQuantized(ByteString.copyFrom(new byte[3])).build().toByteString();
        assertRejected(OR_MAP_OF_EMBEDDINGS, Types.CRDT_EMBEDDINGS, orMap(vv(A, 1), mapEntry("d", fun(funEntry(A, 1, value)))));
    }

    @Test
    void shouldRejectTwoSiblingsOfOneModelWithDifferentDimensions() throws Exception {
        CausalContextProto ctx = vv(A, 1, B, 1);
        EmbeddingSiblingProto a3 = embSibling(A, 1, 1, 3, 0.01f);
        EmbeddingSiblingProto b3 = embSibling(B, 1, 1, 3, 0.02f);
        EmbeddingSiblingProto b4 = embSibling(B, 1, 1, 4, 0.02f);
        EmbeddingSiblingProto b4OtherModel = b4.toBuilder().setModelGeneration(2).build();
        assertAccepted(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(a3).addSiblings(b3).setContext(ctx).build());
        assertAccepted(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(a3).addSiblings(b4OtherModel).setContext(ctx).build());
        assertRejected(EMBEDDING, CRDT, EmbeddingRegisterProto.newBuilder().addSiblings(a3).addSiblings(b4).setContext(ctx).build());

        assertAccepted(OR_MAP_OF_EMBEDDINGS, Types.CRDT_EMBEDDINGS, orMap(ctx, mapEntry("d",
            fun(funEntry(A, 1, embValue(1, 3, 0.01f)), funEntry(B, 1, embValue(2, 4, 0.02f))))));
        assertRejected(OR_MAP_OF_EMBEDDINGS, Types.CRDT_EMBEDDINGS, orMap(ctx, mapEntry("d",
            fun(funEntry(A, 1, embValue(1, 3, 0.01f)), funEntry(B, 1, embValue(1, 4, 0.02f))))));
    }

    // ---- limits ----

    private static final DecodeLimits SMALL = new DecodeLimits(2, 16, 32, 4);
    private static final StoreCodec<DotSet> SMALL_SET = StoreCodec.dotSet(SMALL);
    private static final StoreCodec<DotMap<String, DotSet>> SMALL_SET_MAP = StoreCodec.dotMap(ValueCodec.utf8(), SMALL_SET, SMALL);
    private static final StoreCodec<DotFun<MvRegister.Timestamped<String>>> SMALL_MV_FUN =
        StoreCodec.dotFun(DotValueCodec.timestamped(ValueCodec.utf8(), SMALL), SMALL);
    private static final CrdtCodec<String, DotMap<String, DotSet>> SMALL_CRDT = new CrdtCodec<>(ValueCodec.utf8(), SMALL_SET_MAP, SMALL);
    private static final CrdtCodec<String, DotFun<MvRegister.Timestamped<String>>> SMALL_CRDT_MV =
        new CrdtCodec<>(ValueCodec.utf8(), SMALL_MV_FUN, SMALL);

    @Test
    void shouldRejectKeysOverMaxKeyBytes() throws Exception {
        LwwMapCodec<String, String> lwwMap = new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.utf8(), SMALL);
        OrSetCodec<String> orSet = new OrSetCodec<>(ValueCodec.utf8(), SMALL);
        OrMapCodec<String, DotMap<String, DotSet>> orMap = new OrMapCodec<>(ValueCodec.utf8(), SMALL_SET_MAP, SMALL);
        String ok = "é".repeat(8);
        String tooLong = "é".repeat(8) + "x";
        for (String key : List.of(ok, tooLong)) {
            List<MessageLite> inputs = List.of(
                LwwMapProto.newBuilder().addEntries(lwwEntry(key, "v", T, 0, A)).build(),
                OrSetProto.newBuilder().addElements(element(key, A, 1)).setContext(vv(A, 1)).build(),
                OrSetProto.newBuilder().setKeyComplete(true).addRemoved(utf8(key)).build(),
                orMap(vv(A, 1), mapEntry(key, map(mapEntry("x", set(A, 1))))),
                orMap(vv(A, 1), mapEntry("k", map(mapEntry(key, set(A, 1))))),
                OrMapProto.newBuilder().setStore(DotMapProto.newBuilder().setKeyComplete(true).addRemoved(utf8(key))).build());
            for (MessageLite m : inputs) {
                StateCodec<?> codec = m instanceof LwwMapProto ? lwwMap : m instanceof OrSetProto ? orSet : orMap;
                if (key.equals(ok)) {
                    assertAccepted(codec, SMALL_CRDT, m);
                } else {
                    assertRejected(codec, SMALL_CRDT, m);
                }
            }
        }
    }

    @Test
    void shouldRejectValuesOverMaxValueBytes() throws Exception {
        LwwRegisterCodec<String> lwwRegister = new LwwRegisterCodec<>(ValueCodec.utf8(), SMALL);
        LwwMapCodec<String, String> lwwMap = new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.utf8(), SMALL);
        MvRegisterCodec<String> mv = new MvRegisterCodec<>(ValueCodec.utf8(), SMALL);
        OrMapCodec<String, DotFun<MvRegister.Timestamped<String>>> orMapOfMv = new OrMapCodec<>(ValueCodec.utf8(), SMALL_MV_FUN, SMALL);
        String ok = "v".repeat(32);
        String tooLong = "v".repeat(33);
        assertAccepted(lwwRegister, SMALL_CRDT, LwwRegisterProto.newBuilder().setValue(utf8(ok)).setPhysicalMs(T).setReplica(A).build());
        assertRejected(lwwRegister, SMALL_CRDT, LwwRegisterProto.newBuilder().setValue(utf8(tooLong)).setPhysicalMs(T).setReplica(A).build());
        assertAccepted(lwwMap, SMALL_CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", ok, T, 0, A)).build());
        assertRejected(lwwMap, SMALL_CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", tooLong, T, 0, A)).build());
        assertAccepted(mv, SMALL_CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, T, 0, ok)).setContext(vv(A, 1)).build());
        assertRejected(mv, SMALL_CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, T, 0, tooLong)).setContext(vv(A, 1)).build());
        // nested: the limit is on the whole encoded sibling (value, time and framing: 4 bytes here)
        assertThat(mvValue(1, 0, "v".repeat(28)).size()).isEqualTo(32);
        assertAccepted(orMapOfMv, SMALL_CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1, mvValue(1, 0, "v".repeat(28)))))));
        assertRejected(orMapOfMv, SMALL_CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1, mvValue(1, 0, "v".repeat(29)))))));
    }

    @Test
    void shouldRejectMoreDotsPerEntryThanTheLimit() throws Exception {
        OrSetCodec<String> orSet = new OrSetCodec<>(ValueCodec.utf8(), SMALL);
        MvRegisterCodec<String> mv = new MvRegisterCodec<>(ValueCodec.utf8(), SMALL);
        EmbeddingRegisterCodec embedding = new EmbeddingRegisterCodec(SMALL);
        OrMapCodec<String, DotFun<MvRegister.Timestamped<String>>> orMapOfMv = new OrMapCodec<>(ValueCodec.utf8(), SMALL_MV_FUN, SMALL);
        for (int n : new int[] {4, 5}) {
            OrSetElementProto.Builder element = OrSetElementProto.newBuilder().setElement(utf8("x"));
            MvRegisterProto.Builder mvProto = MvRegisterProto.newBuilder();
            EmbeddingRegisterProto.Builder embProto = EmbeddingRegisterProto.newBuilder();
            DotFunProto.Builder fun = DotFunProto.newBuilder();
            CausalContextProto.Builder ctx = CausalContextProto.newBuilder();
            for (long r = 1; r <= n; r++) {
                element.addReplicas(r).addCounters(1);
                mvProto.addSiblings(mvSibling(r, 1, T, 0, "v"));
                embProto.addSiblings(embSibling(r, 1, 1, 3, 0.01f));
                fun.addEntries(funEntry(r, 1, mvValue(T, 0, "v")));
                ctx.addVvReplicas(r).addVvCounters(1);
            }
            List<Map.Entry<StateCodec<?>, MessageLite>> inputs = List.of(
                Map.entry(orSet, OrSetProto.newBuilder().addElements(element).setContext(ctx).build()),
                Map.entry(mv, mvProto.setContext(ctx).build()),
                Map.entry(embedding, embProto.setContext(ctx).build()),
                Map.entry(orMapOfMv, orMap(ctx.build(), mapEntry("k", DotStoreProto.newBuilder().setFun(fun).build()))));
            for (Map.Entry<StateCodec<?>, MessageLite> in : inputs) {
                CrdtCodec<?, ?> crdt = in.getValue() instanceof OrMapProto ? SMALL_CRDT_MV : SMALL_CRDT;
                if (n == 4) {
                    assertAccepted(in.getKey(), crdt, in.getValue());
                } else {
                    assertRejected(in.getKey(), crdt, in.getValue());
                }
            }
        }
    }

    @Test
    void shouldDecodeOrMapsNestedToMaxDepthAndRejectDeeperOnes() throws Exception {
        for (int maxDepth : new int[] {1, 2, 8}) {
            for (int levels = 1; levels <= maxDepth + 1; levels++) {
                checkNesting(maxDepth, levels, false);
                checkNesting(maxDepth, levels, true);
            }
        }
    }

    /** An OR-map with {@code levels} levels of maps (the top one and levels - 1 nested), a dot set or function inside. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkNesting(int maxDepth, int levels, boolean funLeaf) throws Exception {
        DecodeLimits limits = new DecodeLimits(maxDepth, 1024, 1 << 20, 1024);
        dev.starling.crdt.Dot dot = dev.starling.crdt.Dot.of(A, 1);
        StoreCodec nestedCodec = funLeaf
            ? StoreCodec.dotFun(DotValueCodec.timestamped(ValueCodec.utf8(), limits), limits)
            : StoreCodec.dotSet(limits);
        DotStore nested = funLeaf ? DotFun.of(dot, new MvRegister.Timestamped<>("v", new Hlc(T, 0, dot.replica()))) : DotSet.of(dot);
        for (int i = 1; i < levels; i++) {
            nested = DotMap.of(Map.of("k" + i, nested), null);
            nestedCodec = StoreCodec.dotMap(ValueCodec.utf8(), nestedCodec, limits);
        }
        OrMap state = OrMap.of(DotMap.of(Map.of("k0", nested), null), dev.starling.crdt.CausalContext.of(dot));
        OrMapCodec codec = new OrMapCodec(ValueCodec.utf8(), nestedCodec, limits);
        CrdtCodec crdt = new CrdtCodec(ValueCodec.utf8(), nestedCodec, limits);
        String what = levels + " levels, max depth " + maxDepth + (funLeaf ? ", dot function inside" : ", dot set inside");
        if (levels <= maxDepth) {
            assertThat(codec.decode(codec.encode(state))).as(what).isEqualTo(state);
            assertThat(crdt.decode(crdt.encode(state))).as(what).isEqualTo(state);
        } else {
            assertThatThrownBy(() -> codec.decode(codec.encode(state))).as(what).isInstanceOf(CrdtDecodeException.class)
                .hasMessageContaining("nested deeper");
            assertThatThrownBy(() -> crdt.decode(crdt.encode(state))).as(what).isInstanceOf(CrdtDecodeException.class)
                .hasMessageContaining("nested deeper");
        }
    }

    @Test
    void shouldRejectDeeplyNestedProtobufWithoutOverflowingTheStack() {
        byte[] store = deeplyNestedStore(100_000);
        byte[] orMap = orMapOf(store);
        byte[] tagged = wrap(6, orMap);
        for (StateCodec<?> codec : List.of(OR_MAP_OF_DOT_SETS, OR_MAP_OF_SETS, Types.OR_MAP_OF_MAPS_OF_SETS.codec(), OR_MAP_OF_MV,
                OR_MAP_OF_EMBEDDINGS)) {
            assertRejected(codec, orMap);
        }
        for (CrdtCodec<?, ?> crdt : crdtCodecs()) {
            assertRejected(crdt, tagged);
        }
        // the other decoders read these bytes as other messages: whatever they make of them, no stack overflow
        for (byte[] input : List.of(store, orMap, tagged)) {
            CodecFuzzTest.feedToEveryDecoder(input, "deeply nested");
        }
    }

    @Test
    void shouldRejectDeeplyNestedUnknownGroupsWithoutOverflowingTheStack() {
        int depth = 100_000;
        byte[] open = new byte[depth];
        Arrays.fill(open, (byte) ((15 << 3) | 3));
        byte[] close = new byte[depth];
        Arrays.fill(close, (byte) ((15 << 3) | 4));
        for (byte[] input : List.of(open, Mutations.concat(open, close))) {
            for (Decoder d : Types.DECODERS) {
                assertThatThrownBy(() -> d.decode(input)).as(d.name()).isInstanceOf(CrdtDecodeException.class);
            }
        }
    }

    // ---- UTF-8 and value codecs ----

    private static final List<byte[]> MALFORMED_UTF8 = List.of(
        new byte[] {(byte) 0xC3, 0x28},
        new byte[] {(byte) 0xC0, (byte) 0xAF},
        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        new byte[] {'k', (byte) 0xE2, (byte) 0x82},
        new byte[] {(byte) 0xFF});

    @Test
    void shouldRejectMalformedUtf8InKeysElementsAndValues() {
        for (byte[] raw : MALFORMED_UTF8) {
            ByteString bad = ByteString.copyFrom(raw);
            assertRejected(LWW_MAP, CRDT, LwwMapProto.newBuilder().addEntries(lwwEntry("k", "v", T, 0, A).toBuilder().setKey(bad)).build());
            assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().addElements(element("x", A, 1).toBuilder().setElement(bad)).setContext(vv(A, 1)).build());
            assertRejected(OR_SET, CRDT, OrSetProto.newBuilder().setKeyComplete(true).addRemoved(bad).build());
            assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), DotMapEntryProto.newBuilder().setKey(bad).setValue(map(mapEntry("x", set(A, 1)))).build()));
            assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, orMap(vv(A, 1), mapEntry("k", map(DotMapEntryProto.newBuilder().setKey(bad).setValue(set(A, 1)).build()))));
            assertRejected(OR_MAP_OF_SETS, Types.CRDT_SETS, OrMapProto.newBuilder().setStore(DotMapProto.newBuilder().setKeyComplete(true).addRemoved(bad)).build());
            assertRejected(LWW_REGISTER, CRDT, LwwRegisterProto.newBuilder().setValue(bad).setPhysicalMs(T).setReplica(A).build());
            assertRejected(MV_REGISTER, CRDT, MvRegisterProto.newBuilder().addSiblings(mvSibling(A, 1, T, 0, "v").toBuilder().setValue(bad)).setContext(vv(A, 1)).build());
            assertRejected(OR_MAP_OF_MV, Types.CRDT_MV, orMap(vv(A, 1), mapEntry("k", fun(funEntry(A, 1,
                MvSiblingProto.newBuilder().setPhysicalMs(T).setValue(bad).build().toByteString())))));
        }
    }

    @Test
    void shouldRejectInt64ValuesOfAnotherLength() throws Exception {
        LwwMapCodec<String, Long> codec = new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.int64(), DecodeLimits.DEFAULT);
        CrdtCodec<Long, DotSet> crdt = new CrdtCodec<>(ValueCodec.int64(), Types.DOT_SET, DecodeLimits.DEFAULT);
        for (int n : new int[] {0, 7, 8, 9}) {
            LwwMapProto m = LwwMapProto.newBuilder().addEntries(lwwEntry("k", null, T, 0, A).toBuilder()
                .setValue(ByteString.copyFrom(new byte[n]))).build();
            if (n == 8) {
                assertAccepted(codec, crdt, m);
            } else {
                assertRejected(codec, crdt, m);
            }
        }
    }

    // ---- helpers: assertions ----

    private static void assertRejected(StateCodec<?> codec, byte[] bytes) {
        assertThatThrownBy(() -> codec.decode(bytes)).as("%s decoding %s", codec.getClass().getSimpleName(), Checks.hex(bytes))
            .isInstanceOf(CrdtDecodeException.class);
    }

    /** Rejected by the typed codec and, tagged with its type, by the type-tagged codec. */
    private static void assertRejected(StateCodec<?> typed, CrdtCodec<?, ?> crdt, MessageLite message) {
        assertRejected(typed, message.toByteArray());
        assertRejected(crdt, tagged(message).toByteArray());
    }

    private static void assertAccepted(StateCodec<?> typed, CrdtCodec<?, ?> crdt, MessageLite message) throws CrdtDecodeException {
        assertThat(typed.decode(message.toByteArray())).isNotNull();
        assertThat(crdt.decode(tagged(message).toByteArray())).isNotNull();
    }

    private static CrdtProto tagged(MessageLite m) {
        CrdtProto.Builder b = CrdtProto.newBuilder();
        if (m instanceof LwwRegisterProto p) {
            b.setLwwRegister(p);
        } else if (m instanceof LwwMapProto p) {
            b.setLwwMap(p);
        } else if (m instanceof MvRegisterProto p) {
            b.setMvRegister(p);
        } else if (m instanceof EmbeddingRegisterProto p) {
            b.setEmbeddingRegister(p);
        } else if (m instanceof OrSetProto p) {
            b.setOrSet(p);
        } else if (m instanceof OrMapProto p) {
            b.setOrMap(p);
        } else if (m instanceof PnCounterProto p) {
            b.setPnCounter(p);
        } else {
            throw new IllegalArgumentException(m.getClass().getName());
        }
        return b.build();
    }

    private static List<CrdtCodec<?, ?>> crdtCodecs() {
        return List.of(Types.CRDT_DOT_SETS, Types.CRDT_SETS, Types.CRDT_MAPS_OF_SETS, Types.CRDT_MV, Types.CRDT_EMBEDDINGS);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static byte[] encode(Type type, Crdt<?> value) {
        return type.codec().encode(value);
    }

    /** A small valid value of every type. */
    private static Map<Type<?>, Crdt<?>> samples() {
        ReplicaId a = new ReplicaId(A);
        Hlc hlc = new Hlc(T, 3, a);
        EmbeddingValue e = EmbeddingValue.quantize(new ModelVersion(1, 42), new float[] {0.1f, -0.5f, 0.7f});
        Map<Type<?>, Crdt<?>> m = new java.util.LinkedHashMap<>();
        m.put(Types.LWW_REGISTER, LwwRegister.of("v", hlc));
        m.put(Types.LWW_MAP, LwwMap.<String, String>empty().put("k", "v", hlc));
        m.put(Types.MV_REGISTER, MvRegister.<String>empty().write(hlc, "v"));
        m.put(Types.EMBEDDING_REGISTER, EmbeddingRegister.empty().write(a, e));
        m.put(Types.OR_SET, OrSet.<String>empty().add(a, "x"));
        m.put(Types.PN_COUNTER, PnCounter.empty().update(a, 5));
        m.put(Types.OR_MAP_OF_DOT_SETS, OrMap.<String, DotSet>empty().update("k", DotSet.empty(),
            (s, c) -> new dev.starling.crdt.Causal<>(DotSet.of(c.nextDot(a)), s.toContext().add(c.nextDot(a)))));
        m.put(Types.OR_MAP_OF_SETS, OrMap.<String, DotMap<String, DotSet>>empty().update("k", DotMap.empty(),
            (s, c) -> OrSet.addDelta(s, c, a, "x")));
        m.put(Types.OR_MAP_OF_MAPS_OF_SETS, OrMap.<String, DotMap<String, DotMap<String, DotSet>>>empty().update("k",
            DotMap.empty(), (s, c) -> {
                dev.starling.crdt.Causal<DotMap<String, DotSet>> inner = OrSet.addDelta(DotMap.empty(), c, a, "x");
                return new dev.starling.crdt.Causal<>(DotMap.delta("i", inner.store()), inner.context());
            }));
        m.put(Types.OR_MAP_OF_MV_REGISTERS, OrMap.<String, DotFun<MvRegister.Timestamped<String>>>empty().update("k",
            DotFun.empty(), (s, c) -> MvRegister.writeDelta(s, c, hlc, "v")));
        m.put(Types.OR_MAP_OF_EMBEDDINGS, OrMap.<String, DotFun<EmbeddingValue>>empty().update("d", DotFun.empty(),
            (s, c) -> EmbeddingRegister.writeDelta(s, c, a, e)));
        return m;
    }

    // ---- helpers: messages ----

    private static ByteString utf8(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    /** A context holding the version vector (replica, counter) pairs. */
    private static CausalContextProto vv(long... pairs) {
        CausalContextProto.Builder b = CausalContextProto.newBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            b.addVvReplicas(pairs[i]).addVvCounters(pairs[i + 1]);
        }
        return b.build();
    }

    /** A context holding the cloud dots (replica, counter) pairs. */
    private static CausalContextProto cloud(long... pairs) {
        CausalContextProto.Builder b = CausalContextProto.newBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            b.addCloudReplicas(pairs[i]).addCloudCounters(pairs[i + 1]);
        }
        return b.build();
    }

    private static OrSetElementProto element(String e, long... dots) {
        OrSetElementProto.Builder b = OrSetElementProto.newBuilder().setElement(utf8(e));
        for (int i = 0; i < dots.length; i += 2) {
            b.addReplicas(dots[i]).addCounters(dots[i + 1]);
        }
        return b.build();
    }

    private static LwwMapEntryProto lwwEntry(String key, String value, long physical, int logical, long replica) {
        LwwMapEntryProto.Builder b = LwwMapEntryProto.newBuilder().setKey(utf8(key)).setPhysicalMs(physical)
            .setLogical(logical).setReplica(replica);
        if (value != null) {
            b.setValue(utf8(value));
        }
        return b.build();
    }

    private static PnCounterEntryProto pn(long replica, long increments, long decrements) {
        return PnCounterEntryProto.newBuilder().setReplica(replica).setIncrements(increments).setDecrements(decrements).build();
    }

    private static PnCounterProto counter(PnCounterEntryProto... entries) {
        return PnCounterProto.newBuilder().addAllEntries(List.of(entries)).build();
    }

    private static MvSiblingProto mvSibling(long replica, long counter, long physical, int logical, String value) {
        return MvSiblingProto.newBuilder().setReplica(replica).setCounter(counter).setPhysicalMs(physical)
            .setLogical(logical).setValue(utf8(value)).build();
    }

    /** The bytes of a sibling nested in a dot function (its dot is the entry's). */
    private static ByteString mvValue(long physical, int logical, String value) {
        return MvSiblingProto.newBuilder().setPhysicalMs(physical).setLogical(logical).setValue(utf8(value)).build().toByteString();
    }

    private static EmbeddingSiblingProto embSibling(long replica, long counter, int generation, int dims, float scale) {
        return EmbeddingSiblingProto.newBuilder().setReplica(replica).setCounter(counter).setModelGeneration(generation)
            .setModelFingerprint(0x5EED).setScale(scale).setQuantized(ByteString.copyFrom(quantized(dims))).build();
    }

    private static EmbeddingRegisterProto embeddingRegister(EmbeddingSiblingProto sibling) {
        return EmbeddingRegisterProto.newBuilder().addSiblings(sibling).setContext(vv(sibling.getReplica(), sibling.getCounter())).build();
    }

    /** The bytes of an embedding nested in a dot function. */
    private static ByteString embValue(int generation, int dims, float scale) {
        return EmbeddingProto.newBuilder().setModelGeneration(generation).setModelFingerprint(0x5EED).setScale(scale)
            .setQuantized(ByteString.copyFrom(quantized(dims))).build().toByteString();
    }

    private static byte[] quantized(int dims) {
        byte[] q = new byte[dims];
        for (int i = 0; i < dims; i++) {
            q[i] = (byte) (i % 255 - 127);
        }
        return q;
    }

    private static DotStoreProto set(long... dots) {
        DotSetProto.Builder b = DotSetProto.newBuilder();
        for (int i = 0; i < dots.length; i += 2) {
            b.addReplicas(dots[i]).addCounters(dots[i + 1]);
        }
        return DotStoreProto.newBuilder().setSet(b).build();
    }

    private static DotFunEntryProto funEntry(long replica, long counter, ByteString value) {
        return DotFunEntryProto.newBuilder().setReplica(replica).setCounter(counter).setValue(value).build();
    }

    private static DotStoreProto fun(DotFunEntryProto... entries) {
        return DotStoreProto.newBuilder().setFun(DotFunProto.newBuilder().addAllEntries(List.of(entries))).build();
    }

    private static DotMapEntryProto mapEntry(String key, DotStoreProto value) {
        return DotMapEntryProto.newBuilder().setKey(utf8(key)).setValue(value).build();
    }

    private static DotStoreProto map(DotMapEntryProto... entries) {
        return DotStoreProto.newBuilder().setMap(DotMapProto.newBuilder().addAllEntries(List.of(entries))).build();
    }

    private static OrMapProto orMap(CausalContextProto context, DotMapEntryProto... entries) {
        return OrMapProto.newBuilder().setStore(DotMapProto.newBuilder().addAllEntries(List.of(entries))).setContext(context).build();
    }

    // ---- helpers: raw bytes for nesting the builders cannot build (they would recurse) ----

    /**
     * A DotStoreProto nesting {@code levels} maps (store -> map -> entry "k" -> value store -> ...)
     * around a dot set, written back to front in one buffer.
     */
    private static byte[] deeplyNestedStore(int levels) {
        byte[] leaf = set(A, 1).toByteArray();
        RawWriter w = new RawWriter(levels * 24 + leaf.length);
        w.prepend(leaf);
        for (int i = 0; i < levels; i++) {
            int store = w.size();
            w.prependLengthDelimited(2, store);           // DotMapEntryProto.value
            w.prepend(new byte[] {0x0A, 0x01, 'k'});        // DotMapEntryProto.key
            w.prependLengthDelimited(1, w.size());          // DotMapProto.entries
            w.prependLengthDelimited(3, w.size());          // DotStoreProto.map
        }
        return w.bytes();
    }

    /** OrMapProto{store: DotMapProto{entries: [{key "top", value: store}]}}. */
    private static byte[] orMapOf(byte[] store) {
        RawWriter w = new RawWriter(store.length + 64);
        w.prepend(store);
        w.prependLengthDelimited(2, w.size());
        w.prepend(new byte[] {0x0A, 0x03, 't', 'o', 'p'});
        w.prependLengthDelimited(1, w.size());
        w.prependLengthDelimited(1, w.size());
        return w.bytes();
    }

    private static byte[] wrap(int field, byte[] message) {
        RawWriter w = new RawWriter(message.length + 16);
        w.prepend(message);
        w.prependLengthDelimited(field, w.size());
        return w.bytes();
    }

    /** Writes protobuf back to front, so each length is known when its header is written. */
    private static final class RawWriter {
        final byte[] buf;
        int pos;

        RawWriter(int capacity) {
            buf = new byte[capacity];
            pos = capacity;
        }

        int size() {
            return buf.length - pos;
        }

        void prepend(byte[] b) {
            pos -= b.length;
            System.arraycopy(b, 0, buf, pos, b.length);
        }

        /** The tag and length of a length-delimited field whose {@code length} bytes were written already. */
        void prependLengthDelimited(int field, int length) {
            prependVarint(length);
            prependVarint((field << 3) | 2);
        }

        void prependVarint(long v) {
            byte[] tmp = new byte[10];
            int n = 0;
            while ((v & ~0x7FL) != 0) {
                tmp[n++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            tmp[n++] = (byte) v;
            prepend(Arrays.copyOf(tmp, n));
        }

        byte[] bytes() {
            return Arrays.copyOfRange(buf, pos, buf.length);
        }
    }
}
