package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.FrameProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EnvelopeDecoderTest {

    private static final ReplicaId SENDER = new ReplicaId(0x1234_5678_9ABC_DEF0L);

    private final EmbeddedChannel channel = new EmbeddedChannel(new EnvelopeDecoder());
    private final List<ByteBuf> fed = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).as("input released").isZero());
    }

    private FrameProto decode(ByteBuf body) {
        fed.add(body);
        channel.writeInbound(body);
        Object out = channel.readInbound();
        FrameProto frame = out == null ? null : Frames.asFrame(out);
        Object more = channel.readInbound();
        assertThat(more).isNull();
        return frame;
    }

    private FrameProto decode(byte[] body) {
        return decode(Unpooled.buffer(body.length).writeBytes(body)); // not the shared EMPTY_BUFFER
    }

    private static byte[] body(byte[] frameWithLength) {
        return Arrays.copyOfRange(frameWithLength, 4, frameWithLength.length);
    }

    @Test
    void shouldParseEveryKindOfFrame() {
        List<FrameProto> frames = List.of(
            Frames.clientHello(SENDER, "c", new byte[32]),
            Frames.serverHello(1, SENDER, "c", new byte[32], new byte[32]),
            Frames.clientProof(new byte[32]),
            Frames.ping(),
            Frames.goodbye("bye"));
        for (FrameProto f : frames) {
            assertThat(decode(f.toByteArray())).isEqualTo(f);
        }
    }

    @Test
    void shouldParseTheHandEncodedBatch() {
        List<Outgoing> messages = List.of(new Outgoing(1, "a".getBytes(StandardCharsets.UTF_8)),
            new Outgoing(65535, new byte[300]), new Outgoing(7, "c".getBytes(StandardCharsets.UTF_8)));
        FrameProto frame = decode(body(Frames.batch(1, SENDER, messages)));
        assertThat(frame.getKindCase()).isEqualTo(FrameProto.KindCase.BATCH);
        assertThat(frame.getBatch().getSender()).isEqualTo(SENDER.value());
        assertThat(frame.getBatch().getMessagesList()).extracting(m -> m.getType()).containsExactly(1, 65535, 7);
        assertThat(frame.getBatch().getMessages(1).getPayload().size()).isEqualTo(300);
    }

    @Test
    void shouldParseAnEmptyBodyAsAFrameOfNoKind() {
        assertThat(decode(new byte[0]).getKindCase()).isEqualTo(FrameProto.KindCase.KIND_NOT_SET);
    }

    @Test
    void shouldParseAFrameSpreadOverSeveralBuffers() {
        byte[] body = Frames.clientHello(SENDER, "cluster", new byte[32]).toByteArray();
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(body, 0, 5)));
        composite.addComponent(true, Unpooled.directBuffer().writeBytes(Arrays.copyOfRange(body, 5, body.length)));
        assertThat(composite.nioBufferCount()).isGreaterThan(1);
        assertThat(decode(composite).getClientHello().getCluster()).isEqualTo("cluster");
    }

    @Test
    void shouldParseAFrameInADirectBuffer() {
        byte[] body = Frames.goodbye("direct").toByteArray();
        assertThat(decode(Unpooled.directBuffer().writeBytes(body)).getGoodbye().getReason()).isEqualTo("direct");
    }

    @Test
    void shouldRefuseATruncatedFrame() {
        byte[] body = Frames.clientHello(SENDER, "c", new byte[32]).toByteArray();
        assertMalformed(Arrays.copyOf(body, body.length - 3));
    }

    @Test
    void shouldRefuseGarbage() {
        assertMalformed(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    }

    @Test
    void shouldRefuseAnEndGroupWithoutItsStart() {
        assertMalformed(new byte[] {(byte) ((15 << 3) | 4)});
    }

    @Test
    void shouldRefuseALengthBeyondTheFrame() {
        // client_hello, declared 2^31-1 bytes long, in a 6-byte frame.
        assertMalformed(new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07});
    }

    @Test
    void shouldRefuseHundredThousandNestedGroupsWithoutAStackOverflow() {
        assertMalformed(Frames.nestedGroups(100_000));
    }

    @Test
    void shouldRefuseNestedGroupsHiddenInsideAMessageOfABatch() {
        // FrameProto{batch{messages{<unknown group nested 100k deep>}}}
        byte[] groups = Frames.nestedGroups(100_000);
        byte[] message = Frames.concat(varintField(3, groups.length), groups);
        byte[] batch = Frames.concat(varintField(4, message.length), message);
        assertMalformed(batch);
    }

    @Test
    void shouldRefuseGroupsNestedOneLevelBeyondTheRecursionLimit() {
        assertMalformed(Frames.nestedGroups(EnvelopeDecoder.RECURSION_LIMIT + 1));
    }

    @Test
    void shouldSkipDeeplyNestedLengthDelimitedUnknownFieldsWithoutDescending() {
        // Unknown length-delimited fields are kept as opaque bytes, never parsed: no recursion to limit.
        byte[] nested = Frames.nestedLengthDelimited(100_000);
        assertThat(decode(nested).getKindCase()).isEqualTo(FrameProto.KindCase.KIND_NOT_SET);
    }

    private void assertMalformed(byte[] body) {
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        fed.add(buf);
        assertThatThrownBy(() -> channel.writeInbound(buf))
            .isInstanceOf(CorruptedFrameException.class)
            .hasCauseInstanceOf(InvalidProtocolBufferException.class);
        Object frame = channel.readInbound();
        assertThat(frame).isNull();
    }

    /** Tag of a length-delimited field and its varint length. */
    private static byte[] varintField(int field, int length) {
        List<Byte> out = new ArrayList<>();
        out.add((byte) ((field << 3) | 2));
        int v = length;
        while ((v & ~0x7F) != 0) {
            out.add((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.add((byte) v);
        byte[] b = new byte[out.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = out.get(i);
        }
        return b;
    }
}
