package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The encoded-size goals of the typical deltas, deterministic (no timing): an LWW-map put delta
 * of a 16-byte key and an 8-byte value in at most 48 bytes, a 384-dimension embedding-register
 * delta in at most 450 bytes. Sizes are those of the typed codecs (the type tag of
 * {@link CrdtCodec} adds 2-3 bytes). The bench module reports the sizes themselves.
 */
class EncodedSizeTest {

    /** Replica ids are random 64-bit numbers (fixed64 on the wire: their value does not matter). */
    private static final ReplicaId A = new ReplicaId(0x9E37_79B9_7F4A_7C15L);
    private static final ReplicaId B = new ReplicaId(0xC2B2_AE3D_27D4_EB4FL);
    /** Current times: 2026-01-01 and the last millisecond of 2099 (both 6-byte varints). */
    private static final long[] NOW_MS = {1_767_225_600_000L, 4_102_444_799_999L};
    private static final String KEY = "temperature/room";
    private static final ModelVersion MODEL = new ModelVersion(1, 0xD1CE_5EED_0BAD_F00DL);

    @Test
    void shouldEncodeALwwMapPutDeltaOfA16ByteKeyAndAn8ByteValueInAtMost48Bytes() {
        LwwMapCodec<String, Long> codec = new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.int64(), DecodeLimits.DEFAULT);
        assertThat(KEY.getBytes(StandardCharsets.UTF_8)).hasSize(16);
        assertThat(ValueCodec.int64().encode(42L)).hasSize(8);
        for (long now : NOW_MS) {
            HybridLogicalClock clock = new HybridLogicalClock(A, () -> now, 60_000);
            for (int logical = 0; logical <= 3; logical++) {
                Hlc hlc = clock.now();
                assertThat(hlc.logical()).isEqualTo(logical);
                for (long value : new long[] {42, 0, -1, Long.MIN_VALUE}) {
                    LwwMap<String, Long> delta = LwwMap.<String, Long>empty().putDelta(KEY, value, hlc);
                    assertThat(codec.encode(delta).length).as("put delta at %s", hlc).isLessThanOrEqualTo(48);
                }
            }
        }
    }

    @Test
    void shouldEncodeTheFirstWriteOfA384DimensionEmbeddingInAtMost450Bytes() {
        EmbeddingRegisterCodec codec = new EmbeddingRegisterCodec(DecodeLimits.DEFAULT);
        EmbeddingRegister delta = EmbeddingRegister.empty().writeDelta(A, embedding(1));
        assertThat(delta.siblings()).singleElement().satisfies(e -> assertThat(e.dimensions()).isEqualTo(384));
        assertThat(codec.encode(delta).length).isLessThanOrEqualTo(450);
    }

    @Test
    void shouldEncodeAnOverwriteOfAnotherReplicasEmbeddingInAtMost450Bytes() {
        EmbeddingRegisterCodec codec = new EmbeddingRegisterCodec(DecodeLimits.DEFAULT);
        EmbeddingRegister atB = EmbeddingRegister.empty().merge(EmbeddingRegister.empty().writeDelta(A, embedding(1)));
        assertThat(atB.siblings()).hasSize(1);

        EmbeddingRegister overwrite = atB.writeDelta(B, embedding(2));
        assertThat(atB.merge(overwrite).siblings()).containsExactly(embedding(2));
        assertThat(codec.encode(overwrite).length).isLessThanOrEqualTo(450);
    }

    private static EmbeddingValue embedding(long seed) {
        Random random = new Random(seed);
        float[] v = new float[384];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return EmbeddingValue.quantize(MODEL, v);
    }
}
