package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static final int MAX = 1024;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(2);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final TrackingAllocator alloc = new TrackingAllocator();
    private final List<ByteBuf> fed = new ArrayList<>();
    private EmbeddedChannel channel = newChannel();

    private EmbeddedChannel newChannel() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX, TIMEOUT_NS, clock::get));
        ch.config().setAllocator(alloc);
        return ch;
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        // Every buffer handed to the decoder was released by it (paranoid leak detection aside).
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(alloc.liveBytes()).isZero();
    }

    private void feed(byte[] bytes) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        fed.add(b);
        channel.writeInbound(b);
    }

    private void feed(byte[] bytes, int from, int to) {
        feed(Arrays.copyOfRange(bytes, from, to));
    }

    /** Every frame the decoder emitted so far, as byte arrays; the emitted buffers are released. */
    private List<byte[]> frames() {
        List<byte[]> out = new ArrayList<>();
        ByteBuf b;
        while ((b = channel.readInbound()) != null) {
            out.add(ByteBufs.copy(b));
            b.release();
        }
        return out;
    }

    private static byte[] body(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] prefix(long length) {
        return ByteBuffer.allocate(4).putInt((int) length).array();
    }

    @Test
    void shouldEmitTheBodyOfOneFrameWithoutItsLength() {
        byte[] body = body(100, 1);
        feed(Frames.lengthPrefixed(body));
        assertThat(frames()).containsExactly(body);
    }

    @Test
    void shouldReassembleAFrameSplitAtEveryPossibleOffset() {
        byte[] body = body(40, 2);
        byte[] wire = Frames.lengthPrefixed(body);
        for (int cut = 1; cut < wire.length; cut++) {
            feed(wire, 0, cut);
            assertThat(frames()).as("cut at %d", cut).isEmpty();
            feed(wire, cut, wire.length);
            assertThat(frames()).as("cut at %d", cut).containsExactly(body);
        }
    }

    @Test
    void shouldReassembleAFrameFedOneByteAtATime() {
        byte[] body = body(300, 3);
        byte[] wire = Frames.lengthPrefixed(body);
        for (int i = 0; i < wire.length - 1; i++) {
            feed(wire, i, i + 1);
        }
        assertThat(frames()).isEmpty();
        feed(wire, wire.length - 1, wire.length);
        assertThat(frames()).containsExactly(body);
    }

    @Test
    void shouldEmitEveryFrameOfACoalescedBuffer() {
        List<byte[]> bodies = new ArrayList<>();
        List<byte[]> wires = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] b = body(i * 7, i);
            bodies.add(b);
            wires.add(Frames.lengthPrefixed(b));
        }
        feed(Frames.concat(wires.toArray(new byte[0][])));
        assertThat(frames()).containsExactlyElementsOf(bodies);
    }

    @Test
    void shouldEmitFramesCoalescedAndSplitAtRandomBoundaries() {
        Random random = new Random(42);
        List<byte[]> bodies = new ArrayList<>();
        List<byte[]> wires = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] b = body(random.nextInt(MAX + 1), i);
            bodies.add(b);
            wires.add(Frames.lengthPrefixed(b));
        }
        byte[] stream = Frames.concat(wires.toArray(new byte[0][]));
        List<byte[]> got = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, 1 + random.nextInt(3 * MAX));
            feed(stream, at, at + n);
            at += n;
            got.addAll(frames());
        }
        assertThat(got).containsExactlyElementsOf(bodies);
    }

    @Test
    void shouldEmitAnEmptyFrame() {
        feed(Frames.concat(prefix(0), Frames.lengthPrefixed(new byte[] {9})));
        assertThat(frames()).containsExactly(new byte[0], new byte[] {9});
    }

    @Test
    void shouldAcceptAFrameOfExactlyTheMaximum() {
        byte[] body = body(MAX, 5);
        feed(Frames.lengthPrefixed(body));
        assertThat(frames()).containsExactly(body);
    }

    @Test
    void shouldFailOnTheLengthPrefixOfAFrameOneByteOverTheMaximum() {
        // Only the 4-byte prefix has arrived: the decoder refuses at once, it does not wait for the body.
        assertThatThrownBy(() -> feed(prefix(MAX + 1))).isInstanceOf(TooLongFrameException.class);
        assertThat(frames()).isEmpty();
    }

    @Test
    void shouldFailOnTheLargestLengthPrefixesWithoutReservingMemory() {
        for (long length : new long[] {0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL}) {
            channel.finishAndReleaseAll();
            channel = newChannel();
            alloc.resetPeaks();
            assertThatThrownBy(() -> feed(prefix(length))).as("prefix %x", length)
                .isInstanceOf(TooLongFrameException.class);
            // The rest of the stream is swallowed, never accumulated.
            for (int i = 0; i < 64; i++) {
                channel.writeInbound(Unpooled.wrappedBuffer(body(16 * 1024, i)));
            }
            assertThat(frames()).isEmpty();
            assertThat(alloc.largestArray()).as("largest buffer after prefix %x", length).isLessThanOrEqualTo(MAX);
            assertThat(alloc.peakLiveBytes()).isLessThanOrEqualTo(MAX);
        }
    }

    @Test
    void shouldDiscardATooLongFrameThatArrivedWholeAndKeepNothing() {
        byte[] tooLong = Frames.lengthPrefixed(body(MAX + 1, 6));
        assertThatThrownBy(() -> feed(tooLong)).isInstanceOf(TooLongFrameException.class);
        assertThat(frames()).isEmpty();
    }

    @Test
    void shouldNeverHoldMoreThanOneFrameWhileReassembling() {
        byte[] body = body(MAX, 7);
        byte[] wire = Frames.concat(Frames.lengthPrefixed(body), Frames.lengthPrefixed(body), Frames.lengthPrefixed(body));
        alloc.resetPeaks();
        int frames = 0;
        for (int at = 0; at < wire.length; at += 100) {
            feed(wire, at, Math.min(wire.length, at + 100));
            frames += frames().size();
        }
        assertThat(frames).isEqualTo(3);
        // The cumulation holds at most one partial frame plus the incoming chunk, its capacity rounded
        // up to a power of two, and while it grows the old and the new buffer are both alive.
        assertThat(alloc.peakLiveBytes()).isLessThanOrEqualTo(4 * (MAX + 4 + 100));
    }

    @Test
    void shouldFailAFrameStillIncompleteAfterTheFrameTimeout() {
        byte[] wire = Frames.lengthPrefixed(body(100, 8));
        feed(wire, 0, 10);
        clock.addAndGet(TIMEOUT_NS);
        feed(wire, 10, 20); // exactly at the limit: still allowed
        clock.addAndGet(1);
        assertThatThrownBy(() -> feed(wire, 20, 30)).isInstanceOf(FrameDecoder.FrameTimeoutException.class);
        assertThat(frames()).isEmpty();
    }

    @Test
    void shouldTimeTheFrameFromItsFirstByteNotFromTheLastOne() {
        byte[] wire = Frames.lengthPrefixed(body(100, 9));
        feed(wire, 0, 1);
        for (int i = 1; i < 50; i++) {
            clock.addAndGet(TIMEOUT_NS / 40); // a byte every 1/40 of the timeout: slowloris
            if (i < 41) {
                feed(wire, i, i + 1);
            } else {
                int at = i;
                assertThatThrownBy(() -> feed(wire, at, at + 1)).isInstanceOf(FrameDecoder.FrameTimeoutException.class);
                return;
            }
        }
    }

    @Test
    void shouldStartTheTimerAgainForEveryFrame() {
        byte[] wire = Frames.lengthPrefixed(body(100, 10));
        for (int frame = 0; frame < 5; frame++) {
            feed(wire, 0, 50);
            clock.addAndGet(TIMEOUT_NS - 1);
            feed(wire, 50, wire.length);
            clock.addAndGet(TIMEOUT_NS * 10); // idle between frames is not the frame timeout's business
        }
        assertThat(frames()).hasSize(5);
    }

    @Test
    void shouldTimeFromTheFirstByteOfTheNextFrameInACoalescedRead() {
        byte[] wire = Frames.lengthPrefixed(body(100, 11));
        feed(Frames.concat(wire, Arrays.copyOfRange(wire, 0, 10)));
        assertThat(frames()).hasSize(1);
        clock.addAndGet(TIMEOUT_NS + 1);
        assertThatThrownBy(() -> feed(wire, 10, 20)).isInstanceOf(FrameDecoder.FrameTimeoutException.class);
    }

    @Test
    void shouldTimeOutAlsoWhenTheNanoClockIsNegative() {
        // System.nanoTime() has an arbitrary origin and may be negative.
        for (long origin : new long[] {-1L, -TIMEOUT_NS, Long.MIN_VALUE / 2}) {
            channel.finishAndReleaseAll();
            channel = newChannel();
            clock.set(origin);
            byte[] wire = Frames.lengthPrefixed(body(100, 12));
            feed(wire, 0, 10);
            clock.addAndGet(TIMEOUT_NS + 1);
            assertThatThrownBy(() -> feed(wire, 10, 20)).as("clock origin %d", origin)
                .isInstanceOf(FrameDecoder.FrameTimeoutException.class);
        }
    }
}
