package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * scalecube's message codec for Starling: a SWIM message is encoded as a {@code SwimMessageProto}
 * ({@link SwimProtoCodec}) and sealed in a signed frame ({@link SwimFrames}).
 *
 * <p>Decoding reads at most {@code maxFrameBytes} (scalecube's frame decoder has already cut the
 * frame at that length), checks the tag, then the replay window, and only then parses the payload.
 * A frame refused at any step is counted and decoded as {@link #REJECTED}, a message no scalecube
 * component listens to, which {@link SwimTransport} drops: throwing instead would make scalecube log
 * an error with a stack trace for every stray packet, which a host on the LAN could use to flood
 * the log.
 */
final class SwimMessageCodec implements MessageCodec {

    /** What a refused frame decodes to; compared by identity. */
    static final Message REJECTED = Message.withQualifier("starling/rejected").build();

    private final SwimFrames frames;
    private final ReplayGuard replay;
    private final SwimCounters counters;
    private final int maxFrameBytes;

    SwimMessageCodec(SwimFrames frames, ReplayGuard replay, SwimCounters counters, int maxFrameBytes) {
        this.frames = frames;
        this.replay = replay;
        this.counters = counters;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public Message deserialize(InputStream stream) throws IOException {
        byte[] bytes = stream.readNBytes(maxFrameBytes + 1);
        return decode(bytes, bytes.length);
    }

    /** Verifies and decodes one frame; never throws for bad input. */
    Message decode(byte[] bytes, int length) {
        if (length > maxFrameBytes) {
            counters.unsigned.increment();
            return REJECTED;
        }
        SwimFrames.Opened opened;
        try {
            opened = frames.open(bytes, length);
        } catch (SwimFrameException e) {
            (e.reason() == SwimFrameException.Reason.UNSIGNED ? counters.unsigned : counters.badSignature).increment();
            return REJECTED;
        }
        if (replay != null && !replay.accept(opened.senderReplica(), opened.epoch(), opened.sequence())) {
            counters.replayed.increment();
            return REJECTED;
        }
        try {
            Message m = SwimProtoCodec.decode(bytes, opened.payloadOffset(), opened.payloadLength(),
                new ReplicaId(opened.senderReplica()).toString());
            counters.received.increment();
            return m;
        } catch (SwimDecodeException e) {
            counters.undecodable.increment();
            return REJECTED;
        }
    }

    @Override
    public void serialize(Message message, OutputStream stream) throws IOException {
        byte[] payload = SwimProtoCodec.encode(message);
        if (payload.length + SwimFrames.OVERHEAD_BYTES > maxFrameBytes) {
            throw new IllegalArgumentException("SWIM message of " + payload.length + " bytes is over the frame limit");
        }
        stream.write(frames.seal(payload));
    }
}
