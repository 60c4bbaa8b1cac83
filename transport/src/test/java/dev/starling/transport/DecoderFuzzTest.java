package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.FrameProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and mutated byte streams, cut into random fragments arriving at random times, into the
 * decoder pipeline and into a whole server-side connection. Nothing may escape the handlers but
 * the three errors they are meant to raise (each then closes the connection); no buffer may be
 * sized by a length the input merely announces; no message gets through without the secret.
 */
class DecoderFuzzTest {

    private static final int MAX_FRAME = 4096;
    private static final int MAX_CHUNK = 3000;
    private static final long FRAME_TIMEOUT_NS = 1_000_000_000L;
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static Transport transport;

    @BeforeContainer
    static void startTransport() {
        transport = new Transport(TestNode.config(100).maxFrameBytes(MAX_FRAME).maxBatch(2048, 64)
            .frameTimeout(java.time.Duration.ofNanos(FRAME_TIMEOUT_NS)).build(), TransportListener.NONE);
    }

    @AfterContainer
    static void closeTransport() {
        transport.close();
    }

    /** Sees what comes out of the decoders; terminal (closing on error, like the real handler) or pass-through. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final boolean terminal;
        final List<Throwable> errors = new ArrayList<>();
        int frames;

        Recorder(boolean terminal) {
            this.terminal = terminal;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FrameProto) && !(msg instanceof DecodedBatch)) {
                errors.add(new AssertionError("decoded into " + msg.getClass()));
            }
            frames++;
            if (!terminal) {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
            if (terminal) {
                ctx.close();
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }
    }

    private static boolean expected(Throwable t) {
        return t instanceof TooLongFrameException
            || t instanceof FrameDecoder.FrameTimeoutException
            || (t instanceof CorruptedFrameException && t.getCause() instanceof InvalidProtocolBufferException);
    }

    /**
     * Feeds {@code stream} in fragments sized by {@code chunks} (cycled), the clock moving by
     * {@code stepNs} before each, until the stream ends or the connection closes; then checks.
     */
    private static void feed(byte[] stream, List<Integer> chunks, long stepNs, boolean wholeConnection) {
        AtomicLong clock = new AtomicLong(-5_000_000_000L); // negative on purpose
        TrackingAllocator alloc = new TrackingAllocator();
        Recorder recorder = new Recorder(!wholeConnection);
        FrameDecoder frameDecoder = new FrameDecoder(MAX_FRAME, FRAME_TIMEOUT_NS, clock::get);
        EmbeddedChannel ch = wholeConnection
            ? new EmbeddedChannel(frameDecoder, FrameEncoder.INSTANCE, new EnvelopeDecoder(), recorder,
                new PeerConnection(transport, false, null))
            : new EmbeddedChannel(frameDecoder, new EnvelopeDecoder(), recorder);
        ch.config().setAllocator(alloc);
        List<ByteBuf> fed = new ArrayList<>();
        int inboundBefore = transport.inboundDepth();
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        try {
            int at = 0;
            for (int i = 0; at < stream.length && ch.isOpen(); i++) {
                int n = Math.min(stream.length - at, chunks.get(i % chunks.size()));
                ByteBuf b = Unpooled.wrappedBuffer(stream, at, n);
                fed.add(b);
                at += n;
                clock.addAndGet(stepNs);
                ch.writeInbound(b); // throws if anything reached the end of the pipeline
                ch.runPendingTasks();
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;

            assertThat(recorder.errors).allSatisfy(e -> assertThat(expected(e)).as("unexpected %s", e).isTrue());
            // Buffers: never larger than a frame plus one fragment (rounded up to a power of two),
            // at most the old and the new one while the cumulation grows.
            long bound = 2L * (MAX_FRAME + 4 + MAX_CHUNK);
            assertThat(alloc.largestArray()).isLessThanOrEqualTo(bound);
            assertThat(alloc.peakLiveBytes()).isLessThanOrEqualTo(2 * bound);
            // Heap: in proportion to what was fed, whatever lengths the input announced.
            assertThat(allocated).isLessThan(64L * stream.length + (2 << 20));
            assertThat(transport.inboundDepth()).as("nothing got through").isEqualTo(inboundBefore);
        } finally {
            ch.finishAndReleaseAll();
        }
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).as("input released").isZero());
        assertThat(alloc.liveBytes()).as("decoder buffers released").isZero();
    }

    // ---- properties ----------------------------------------------------------------------

    @Property(tries = 1000)
    void shouldSurviveRandomBytesInTheDecoders(@ForAll("randomStreams") byte[] stream,
                                              @ForAll("chunks") List<Integer> chunks, @ForAll("steps") long step) {
        feed(stream, chunks, step, false);
    }

    @Property(tries = 1000)
    void shouldSurviveMutatedFramesInTheDecoders(@ForAll("mutatedStreams") byte[] stream,
                                                @ForAll("chunks") List<Integer> chunks, @ForAll("steps") long step) {
        feed(stream, chunks, step, false);
    }

    @Property(tries = 1000)
    void shouldSurviveRandomBytesInAServerConnection(@ForAll("randomStreams") byte[] stream,
                                                    @ForAll("chunks") List<Integer> chunks,
                                                    @ForAll("steps") long step) {
        feed(stream, chunks, step, true);
    }

    @Property(tries = 1000)
    void shouldSurviveMutatedFramesInAServerConnection(@ForAll("mutatedStreams") byte[] stream,
                                                      @ForAll("chunks") List<Integer> chunks,
                                                      @ForAll("steps") long step) {
        feed(stream, chunks, step, true);
    }

    // ---- generators ----------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> randomStreams() {
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(20_000);
        // Random bytes behind a plausible length prefix reach the protobuf parser more often.
        Arbitrary<byte[]> framed = Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX_FRAME)
            .list().ofMaxSize(8).map(bodies -> {
                List<byte[]> parts = new ArrayList<>();
                for (byte[] b : bodies) {
                    parts.add(Frames.lengthPrefixed(b));
                }
                return Frames.concat(parts.toArray(new byte[0][]));
            });
        return Arbitraries.oneOf(raw, framed);
    }

    @Provide
    Arbitrary<List<Integer>> chunks() {
        return Arbitraries.integers().between(1, MAX_CHUNK).list().ofMinSize(1).ofMaxSize(20);
    }

    @Provide
    Arbitrary<Long> steps() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, Arbitraries.just(0L)),
            net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(0, FRAME_TIMEOUT_NS / 4)),
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(FRAME_TIMEOUT_NS / 2, 2 * FRAME_TIMEOUT_NS)));
    }

    @Provide
    Arbitrary<byte[]> mutatedStreams() {
        Arbitrary<byte[]> frames = frame().list().ofMinSize(1).ofMaxSize(12)
            .map(list -> Frames.concat(list.toArray(new byte[0][])));
        return Combinators.combine(frames, mutation().list().ofMaxSize(8)).as((stream, mutations) -> {
            byte[] s = stream;
            for (Mutation m : mutations) {
                s = m.apply(s);
            }
            return s;
        });
    }

    private Arbitrary<byte[]> frame() {
        Arbitrary<byte[]> bytes32 = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(40);
        Arbitrary<Long> replica = Arbitraries.longs();
        Arbitrary<String> cluster = Arbitraries.oneOf(Arbitraries.just(TestNode.CLUSTER),
            Arbitraries.strings().ofMaxLength(30));
        Arbitrary<byte[]> clientHello = Combinators.combine(replica, cluster, bytes32)
            .as((r, c, n) -> Frames.frame(Frames.clientHello(new ReplicaId(r), c, n)));
        Arbitrary<byte[]> serverHello = Combinators.combine(Arbitraries.integers().between(0, 3), replica, cluster,
            bytes32, bytes32).as((v, r, c, n, p) -> Frames.frame(Frames.serverHello(v, new ReplicaId(r), c, n, p)));
        Arbitrary<byte[]> proof = bytes32.map(p -> Frames.frame(Frames.clientProof(p)));
        Arbitrary<byte[]> control = Arbitraries.oneOf(Arbitraries.just(Frames.frame(Frames.ping())),
            Arbitraries.strings().ofMaxLength(50).map(r -> Frames.frame(Frames.goodbye(r))));
        Arbitrary<Outgoing> message = Combinators.combine(Arbitraries.integers().between(1, 65_535),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300)).as(Outgoing::new);
        Arbitrary<byte[]> batch = Combinators.combine(Arbitraries.integers().between(0, 2), replica,
            message.list().ofMaxSize(20)).as((v, r, ms) -> Frames.batch(v, new ReplicaId(r), ms));
        Arbitrary<byte[]> nested = Arbitraries.integers().between(1, 3_000)
            .map(d -> Frames.lengthPrefixed(Frames.nestedGroups(d)));
        Arbitrary<byte[]> prefix = Combinators.combine(
            Arbitraries.of(0L, 1L, MAX_FRAME - 1L, (long) MAX_FRAME, MAX_FRAME + 1L, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(100))
            .as((len, body) -> Frames.concat(ByteBuffer.allocate(4).putInt((int) (long) len).array(), body));
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, clientHello), net.jqwik.api.Tuple.of(1, serverHello),
            net.jqwik.api.Tuple.of(2, proof), net.jqwik.api.Tuple.of(1, control),
            net.jqwik.api.Tuple.of(4, batch), net.jqwik.api.Tuple.of(1, nested), net.jqwik.api.Tuple.of(1, prefix));
    }

    /** One edit of a byte stream; the position is a fraction of its length. */
    record Mutation(int kind, double where, int length, byte value) {
        byte[] apply(byte[] s) {
            if (s.length == 0) {
                return s;
            }
            int at = Math.min(s.length - 1, (int) (where * s.length));
            int len = Math.min(length, s.length - at);
            switch (kind) {
                case 0: { // flip a bit
                    byte[] c = s.clone();
                    c[at] ^= (byte) (1 << (value & 7));
                    return c;
                }
                case 1: { // overwrite a byte
                    byte[] c = s.clone();
                    c[at] = value;
                    return c;
                }
                case 2: { // insert bytes
                    byte[] ins = new byte[length];
                    java.util.Arrays.fill(ins, value);
                    return Frames.concat(java.util.Arrays.copyOf(s, at), ins, java.util.Arrays.copyOfRange(s, at, s.length));
                }
                case 3: // delete bytes
                    return Frames.concat(java.util.Arrays.copyOf(s, at), java.util.Arrays.copyOfRange(s, at + len, s.length));
                case 4: // truncate
                    return java.util.Arrays.copyOf(s, at);
                default: // duplicate a range in place
                    return Frames.concat(java.util.Arrays.copyOf(s, at + len), java.util.Arrays.copyOfRange(s, at, s.length));
            }
        }
    }

    private static Arbitrary<Mutation> mutation() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.doubles().between(0, 1),
            Arbitraries.integers().between(1, 16), Arbitraries.bytes()).as(Mutation::new);
    }
}
