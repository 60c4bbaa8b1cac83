package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.scalecube.cluster.transport.api.Message;
import java.lang.management.ManagementFactory;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random and mutated bytes into the verifying decoder. Whatever arrives, the frame check fails only
 * with {@link SwimFrameException}, the payload decoder only with {@link SwimDecodeException}, the
 * codec never throws, and decoding allocates no more than a small multiple of the input.
 */
class SwimCodecFuzzTest {

    private static final int MAX_FRAME = 64 * 1024;
    /** Bytes a decode may allocate: 32 per input byte plus 64 KiB (measured: valid messages about 15 per byte). */
    private static final long ALLOC_PER_BYTE = 32;
    private static final long ALLOC_FIXED = 64 * 1024;

    private final SwimFrames frames = new SwimFrames(SwimMessageCodecTest.SECRET, "cluster", 7, 7);
    private SwimCounters counters;
    private SwimMessageCodec codec;
    private long sequence;

    @BeforeProperty
    void setUp() {
        // load the classes and the thread's Mac before anything is measured
        byte[] warm = frames.seal(SwimProtoCodec.encode(SwimSamples.all().get(0)));
        new SwimMessageCodec(frames, null, new SwimCounters(), MAX_FRAME).decode(warm, warm.length);
        counters = new SwimCounters();
        codec = new SwimMessageCodec(frames, new ReplayGuard(16), counters, MAX_FRAME);
    }

    @Property(tries = 1000)
    void shouldRefuseRandomBytesBeforeAnyDecoding(@ForAll @Size(max = 4096) byte[] bytes) {
        assertThat(decodeWithinBound(bytes)).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(counters.snapshot().messagesReceived()).isZero();
        assertThat(counters.snapshot().droppedUndecodable()).isZero();
        try {
            frames.open(bytes, bytes.length);
            throw new AssertionError("random bytes opened as a frame");
        } catch (SwimFrameException expected) {
            // the only way open fails
        }
    }

    @Property(tries = 1000)
    void shouldRefuseAMutatedFrame(@ForAll("frames") byte[] frame, @ForAll @IntRange(min = 0, max = 1 << 20) int at,
                                @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll @IntRange(min = -40, max = 40) int resize) {
        byte[] mutated = java.util.Arrays.copyOf(frame, Math.max(0, frame.length + resize));
        if (mutated.length > 0) {
            mutated[at % mutated.length] ^= (byte) xor;
        }
        assertThat(decodeWithinBound(mutated)).isSameAs(SwimMessageCodec.REJECTED);
        assertThat(counters.snapshot().messagesReceived()).isZero();
    }

    @Property(tries = 1000)
    void shouldFailSignedRandomPayloadsOnlyAsUndecodable(@ForAll @Size(max = 4096) byte[] payload) {
        checkSignedPayload(payload);
    }

    @Property(tries = 2000)
    void shouldFailSignedMutatedMessagesOnlyAsUndecodable(@ForAll("payloads") byte[] payload,
                                                     @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 1 << 20) Integer> at,
                                                     @ForAll @IntRange(min = 1, max = 255) int xor) {
        byte[] mutated = payload.clone();
        for (int i : at) {
            if (mutated.length > 0) {
                mutated[i % mutated.length] ^= (byte) xor;
            }
        }
        checkSignedPayload(mutated);
    }

    private void checkSignedPayload(byte[] payload) {
        try {
            Message m = SwimProtoCodec.decode(payload, 0, payload.length, "0000000000000007");
            assertThat(ScalecubeTypes.kindOf(m.data())).isNotNull();
        } catch (SwimDecodeException expected) {
            // refused: the only failure the payload decoder has
        }
        byte[] frame = frames.seal(payload, 7, 7, ++sequence);
        Message decoded = decodeWithinBound(frame);
        if (decoded != SwimMessageCodec.REJECTED) {
            assertThat(ScalecubeTypes.kindOf(decoded.data())).isNotNull();
            assertThat(SwimProtoCodec.kindOf(decoded.qualifier())).isNotNull();
        }
        MembershipStats s = counters.snapshot();
        assertThat(s.messagesReceived() + s.droppedUndecodable()).isEqualTo(sequence);
    }

    private Message decodeWithinBound(byte[] frame) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        Message m = codec.decode(frame, frame.length);
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertThat(allocated).as("bytes allocated decoding %d bytes", frame.length)
            .isLessThanOrEqualTo(ALLOC_FIXED + ALLOC_PER_BYTE * frame.length);
        return m;
    }

    @Provide
    Arbitrary<byte[]> payloads() {
        return Arbitraries.of(SwimSamples.all()).map(SwimProtoCodec::encode);
    }

    @Provide
    Arbitrary<byte[]> frames() {
        return payloads().map(frames::seal);
    }
}
