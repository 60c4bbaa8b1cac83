package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Document;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.proto.v1.DocumentProto;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Round trips, determinism and hostile input for {@link DocumentCodec} and collection headers. */
class DocumentCodecTest {

    private static final DecodeLimits LIMITS = DecodeLimits.DEFAULT;
    private static final DocumentCodec<String> CODEC = new DocumentCodec<>(ValueCodec.utf8(), LIMITS);
    private static final ModelVersion MODEL = new ModelVersion(1, 0x1234_5678_9abc_def0L);
    private static final List<ReplicaId> REPLICAS = List.of(new ReplicaId(11), new ReplicaId(22), new ReplicaId(33));

    /** A document reached by random upserts and deletes at three replicas with random merges. */
    static Document<String> randomDocument(long seed, int steps) {
        Random rnd = new Random(seed);
        @SuppressWarnings("unchecked")
        Document<String>[] replicas = new Document[] {Document.empty(), Document.empty(), Document.empty()};
        long time = 1_000;
        for (int s = 0; s < steps; s++) {
            int r = rnd.nextInt(3);
            Document<String> d = replicas[r];
            int what = rnd.nextInt(10);
            if (what < 6) {
                float[] v = new float[8];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rnd.nextFloat() * 2 - 1;
                }
                v[0] = 1;
                Map<String, String> meta = rnd.nextBoolean() ? Map.of() : Map.of("k" + rnd.nextInt(3), "\"v" + s + "\"");
                String text = rnd.nextInt(4) == 0 ? null : "text " + s + " ünïcödé";
                replicas[r] = d.upsert(REPLICAS.get(r), new Hlc(time += rnd.nextInt(3), 0, REPLICAS.get(r)),
                    EmbeddingValue.quantize(MODEL, v), text, meta);
            } else if (what < 7) {
                replicas[r] = d.delete();
            } else {
                replicas[r] = d.merge(replicas[rnd.nextInt(3)]);
            }
        }
        return replicas[rnd.nextInt(3)].merge(rnd.nextBoolean() ? replicas[0] : Document.empty());
    }

    @Property(tries = 200)
    void shouldRoundTripEveryReachableDocument(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int steps)
            throws CrdtDecodeException {
        Document<String> d = randomDocument(seed, steps);
        byte[] bytes = CODEC.encode(d);
        Document<String> back = CODEC.decode(bytes);
        assertThat(back).isEqualTo(d);
        assertThat(CODEC.encode(back)).as("deterministic: equal states, equal bytes").isEqualTo(bytes);
        assertThat(back.text()).isEqualTo(d.text());
        assertThat(back.metadata()).isEqualTo(d.metadata());
    }

    @Property(tries = 200)
    void shouldRoundTripWithTheOriginLeftOut(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int steps,
                                             @ForAll @IntRange(min = 0, max = 2) int originIndex)
            throws CrdtDecodeException {
        Document<String> d = randomDocument(seed, steps);
        ReplicaId origin = REPLICAS.get(originIndex);
        byte[] bytes = CODEC.encode(d, origin);
        assertThat(CODEC.decode(bytes, origin)).isEqualTo(d);
        if (d.context().max(origin) > 0) {
            assertThat(bytes.length).as("the origin's id is left out").isLessThan(CODEC.encode(d).length);
            assertThatThrownBy(() -> CODEC.decode(bytes)).as("an origin-relative document needs its origin")
                .isInstanceOf(CrdtDecodeException.class);
        }
    }

    @Property(tries = 300)
    void shouldRejectDamagedBytesWithADecodeExceptionOnly(@ForAll long seed, @ForAll("damage") int[] damage) {
        byte[] bytes = CODEC.encode(randomDocument(seed, 20));
        if (bytes.length == 0) {
            return;
        }
        byte[] bad = bytes.clone();
        for (int i = 0; i + 1 < damage.length; i += 2) {
            bad[Math.floorMod(damage[i], bad.length)] = (byte) damage[i + 1];
        }
        try {
            Document<String> d = CODEC.decode(bad);
            assertThat(d).isNotNull();
        } catch (CrdtDecodeException expected) {
            // a clear refusal is the other allowed outcome
        }
    }

    @Provide
    Arbitrary<int[]> damage() {
        return Arbitraries.integers().array(int[].class).ofMinSize(2).ofMaxSize(8);
    }

    @Test
    void shouldRejectADotItsContextHasNotSeen() {
        Document<String> d = Document.<String>empty().upsert(REPLICAS.get(0), new Hlc(5, 0, REPLICAS.get(0)),
            EmbeddingValue.quantize(MODEL, new float[] {1, 0}), "x", Map.of());
        DocumentProto p = CODEC.toProto(d).toBuilder().clearContext().build();
        assertThatThrownBy(() -> CODEC.fromProto(p)).isInstanceOf(CrdtDecodeException.class).hasMessageContaining("context");
    }

    @Test
    void shouldRejectSiblingsOfOneModelWithDifferentDimensions() {
        Document<String> a = Document.<String>empty().upsert(REPLICAS.get(0), new Hlc(5, 0, REPLICAS.get(0)),
            EmbeddingValue.quantize(MODEL, new float[] {1, 0}), "x", Map.of());
        Document<String> b = Document.<String>empty().upsert(REPLICAS.get(1), new Hlc(5, 0, REPLICAS.get(1)),
            EmbeddingValue.quantize(MODEL, new float[] {1, 0, 0}), "y", Map.of());
        byte[] bytes = CODEC.encode(a.merge(b));
        assertThatThrownBy(() -> CODEC.decode(bytes)).isInstanceOf(CrdtDecodeException.class)
            .hasMessageContaining("dimensions");
    }

    @Test
    void shouldRejectTooManyMetadataKeys() {
        DocumentProto.Builder b = DocumentProto.newBuilder();
        for (int i = 0; i <= LIMITS.maxDotsPerEntry(); i++) {
            b.addMetadata(dev.starling.crdt.proto.v1.DocumentMetadataProto.newBuilder()
                .setKey(ByteString.copyFromUtf8("k" + i)));
        }
        assertThatThrownBy(() -> CODEC.fromProto(b.build())).isInstanceOf(CrdtDecodeException.class)
            .hasMessageContaining("over the limit");
    }

    @Test
    void shouldRoundTripHeaders() throws CrdtDecodeException {
        CollectionHeader h = CollectionHeader.of(MODEL, "all-minilm-l6-v2-q", 384, new Hlc(77, 3, REPLICAS.get(2)));
        assertThat(DocumentCodec.decodeHeader(DocumentCodec.encodeHeader(h), LIMITS)).isEqualTo(h);
        assertThat(DocumentCodec.decodeHeader(DocumentCodec.encodeHeader(CollectionHeader.bottom()), LIMITS).isBottom())
            .isTrue();
    }

    @Test
    void shouldRejectABadHeader() {
        byte[] zeroDims = dev.starling.crdt.proto.v1.CollectionHeaderProto.newBuilder().setPresent(true)
            .setModelName("m").setDimensions(0).setCreatedReplica(5).build().toByteArray();
        assertThatThrownBy(() -> DocumentCodec.decodeHeader(zeroDims, LIMITS)).isInstanceOf(CrdtDecodeException.class)
            .hasMessageContaining("dimension");
        byte[] noName = dev.starling.crdt.proto.v1.CollectionHeaderProto.newBuilder().setPresent(true)
            .setDimensions(3).setCreatedReplica(5).build().toByteArray();
        assertThatThrownBy(() -> DocumentCodec.decodeHeader(noName, LIMITS)).isInstanceOf(CrdtDecodeException.class)
            .hasMessageContaining("model name");
    }
}
