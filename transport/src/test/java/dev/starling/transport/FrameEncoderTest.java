package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.BatchProto;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.MessageProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameEncoderTest {

    private static final ReplicaId SENDER = new ReplicaId(-2L); // unsigned max - 1: all fixed64 bytes set

    private static FrameProto generated(int version, ReplicaId sender, List<Outgoing> messages) {
        BatchProto.Builder b = BatchProto.newBuilder().setVersion(version).setSender(sender.value());
        for (Outgoing m : messages) {
            b.addMessages(MessageProto.newBuilder().setType(m.type()).setPayload(ByteString.copyFrom(m.payload())));
        }
        return FrameProto.newBuilder().setBatch(b).build();
    }

    @Test
    void shouldWriteControlFramesWithTheirLength() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        FrameProto hello = Frames.clientHello(SENDER, "cluster", new byte[32]);
        FrameProto bye = Frames.goodbye("reason");
        ch.writeOutbound(hello, bye);
        for (FrameProto f : List.of(hello, bye)) {
            ByteBuf out = ch.readOutbound();
            assertThat(ByteBufs.copy(out)).isEqualTo(Frames.frame(f));
            out.release();
        }
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldPassPreEncodedBatchesThrough() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ByteBuf batch = Unpooled.wrappedBuffer(Frames.batch(1, SENDER, List.of(new Outgoing(1, new byte[] {1}))));
        ch.writeOutbound(batch);
        ByteBuf out = ch.readOutbound();
        assertThat(out).isSameAs(batch);
        out.release();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void shouldEncodeBatchesByteForByteLikeTheGeneratedCode() {
        // Payload lengths and types around the varint boundaries, one message and many.
        int[] lengths = {1, 2, 127, 128, 255, 16_383, 16_384, 70_000};
        int[] types = {1, 127, 128, 16_383, 16_384, 65_535};
        Random random = new Random(1);
        List<Outgoing> all = new ArrayList<>();
        for (int len : lengths) {
            for (int type : types) {
                byte[] p = new byte[len];
                random.nextBytes(p);
                Outgoing m = new Outgoing(type, p);
                all.add(m);
                assertEncodedLikeGenerated(List.of(m));
            }
        }
        assertEncodedLikeGenerated(all);
    }

    @Test
    void shouldEncodeEmptyPayloadsLikeTheGeneratedCode() {
        // The receiver counts bytes from the parsed frame; the sender from what it wrote: they must agree.
        assertEncodedLikeGenerated(List.of(new Outgoing(1, new byte[0])));
        assertEncodedLikeGenerated(List.of(new Outgoing(2, new byte[0]), new Outgoing(3, new byte[] {1}),
            new Outgoing(4, new byte[0])));
    }

    private static void assertEncodedLikeGenerated(List<Outgoing> messages) {
        byte[] wire = Frames.batch(1, SENDER, messages);
        assertThat(wire).isEqualTo(Frames.frame(generated(1, SENDER, messages)));
        int encodedEntries = messages.stream().mapToInt(Outgoing::encodedSize).sum();
        int generatedEntries = 0;
        for (Outgoing m : messages) {
            int body = MessageProto.newBuilder().setType(m.type()).setPayload(ByteString.copyFrom(m.payload())).build()
                .getSerializedSize();
            generatedEntries += 1 + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(body) + body;
        }
        assertThat(encodedEntries).as("encodedSize, used for batch limits").isEqualTo(generatedEntries);
    }

    @Test
    void shouldRoundTripBatchesThroughTheDecoders() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20, Long.MAX_VALUE, System::nanoTime),
            new EnvelopeDecoder());
        Random random = new Random(2);
        List<Outgoing> sent = new ArrayList<>();
        ByteBuf stream = Unpooled.buffer();
        for (int frame = 0; frame < 50; frame++) {
            List<Outgoing> batch = new ArrayList<>();
            for (int i = random.nextInt(20); i >= 0; i--) {
                byte[] p = new byte[random.nextInt(200)];
                random.nextBytes(p);
                batch.add(new Outgoing(1 + random.nextInt(65535), p));
            }
            sent.addAll(batch);
            stream.writeBytes(Frames.batch(1, SENDER, batch));
        }
        // Coalesced and split: uneven slices of the whole stream.
        while (stream.isReadable()) {
            ch.writeInbound(stream.readRetainedSlice(Math.min(stream.readableBytes(), 1 + random.nextInt(5000))));
        }
        stream.release();
        List<Outgoing> received = new ArrayList<>();
        Object out;
        while ((out = ch.readInbound()) != null) {
            FrameProto f = Frames.asFrame(out);
            for (MessageProto m : f.getBatch().getMessagesList()) {
                received.add(new Outgoing(m.getType(), m.getPayload().toByteArray()));
            }
        }
        assertThat(received).hasSameSizeAs(sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(received.get(i).type()).isEqualTo(sent.get(i).type());
            assertThat(received.get(i).payload()).isEqualTo(sent.get(i).payload());
        }
        assertThat(ch.finish()).isFalse();
    }
}
