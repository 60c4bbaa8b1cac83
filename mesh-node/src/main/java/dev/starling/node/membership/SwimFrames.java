package dev.starling.node.membership;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signed frame every SWIM message travels in. Layout (big-endian), after scalecube's 4-byte
 * length prefix:
 * <pre>
 *   0  2  magic "SW"
 *   2  1  version (1)
 *   3  8  sender replica id
 *  11  8  sender epoch: random, drawn when the sender's membership starts
 *  19  8  sequence number within the epoch, from 1
 *  27  n  payload: one SwimMessageProto
 * 27+n 32 tag: HMAC-SHA256(key, bytes 0 .. 27+n)
 * </pre>
 * The tag covers the header and the payload; {@link #open} checks it, in constant time, before the
 * caller parses a single payload byte. The key is not the secret itself but
 * {@code HMAC-SHA256(secret, "starling/v1 swim key" || u32 length || cluster name)}, so a node of
 * another cluster name cannot verify (or forge) this cluster's frames even with the same secret,
 * and a SWIM tag is worth nothing to the data plane's handshake, which uses the secret differently.
 *
 * <p>Thread-safe: one {@link Mac} per thread.
 */
final class SwimFrames {

    static final int HEADER_BYTES = 27;
    static final int TAG_BYTES = 32;
    static final int OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES;
    static final byte MAGIC_0 = 'S';
    static final byte MAGIC_1 = 'W';
    static final byte VERSION = 1;

    private static final byte[] KEY_LABEL = "starling/v1 swim key".getBytes(StandardCharsets.US_ASCII);
    private static final String HMAC = "HmacSHA256";

    /** The authenticated header of an opened frame; the payload is {@code [payloadOffset, +payloadLength)}. */
    record Opened(long senderReplica, long epoch, long sequence, int payloadOffset, int payloadLength) {
    }

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;
    private final long replica;
    private final long epoch;
    private final AtomicLong sequence = new AtomicLong();

    /**
     * @param secret  the cluster secret
     * @param cluster the cluster name, bound into the key
     * @param replica this node's replica id, written into the frames it seals
     * @param epoch   this run's epoch, written into the frames it seals
     */
    SwimFrames(byte[] secret, String cluster, long replica, long epoch) {
        this.key = new SecretKeySpec(deriveKey(secret, cluster), HMAC);
        this.macs = ThreadLocal.withInitial(this::newMac);
        this.replica = replica;
        this.epoch = epoch;
    }

    /** {@code HMAC-SHA256(secret, label || u32 length(cluster) || cluster)}. */
    static byte[] deriveKey(byte[] secret, String cluster) {
        byte[] name = cluster.getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            mac.update(KEY_LABEL);
            mac.update(ByteBuffer.allocate(4).putInt(name.length).array());
            return mac.doFinal(name);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is not available", e);
        }
    }

    /** Wraps {@code payload} into a signed frame with the next sequence number. */
    byte[] seal(byte[] payload) {
        return seal(payload, replica, epoch, sequence.incrementAndGet());
    }

    /** Seals with an explicit header (tests forge replays and foreign senders with it). */
    byte[] seal(byte[] payload, long senderReplica, long senderEpoch, long seq) {
        byte[] frame = new byte[OVERHEAD_BYTES + payload.length];
        ByteBuffer b = ByteBuffer.wrap(frame);
        b.put(MAGIC_0).put(MAGIC_1).put(VERSION).putLong(senderReplica).putLong(senderEpoch).putLong(seq);
        b.put(payload);
        Mac mac = macs.get();
        mac.update(frame, 0, HEADER_BYTES + payload.length);
        try {
            mac.doFinal(frame, HEADER_BYTES + payload.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return frame;
    }

    /**
     * Checks the frame {@code frame[0, length)} and returns its header; nothing else is read from it.
     *
     * @throws SwimFrameException UNSIGNED if it is not a version-1 frame, BAD_SIGNATURE if the tag
     *                            does not match
     */
    Opened open(byte[] frame, int length) throws SwimFrameException {
        if (length < OVERHEAD_BYTES || length > frame.length) {
            throw new SwimFrameException(SwimFrameException.Reason.UNSIGNED, "frame of " + length + " bytes");
        }
        if (frame[0] != MAGIC_0 || frame[1] != MAGIC_1 || frame[2] != VERSION) {
            throw new SwimFrameException(SwimFrameException.Reason.UNSIGNED, "not a signed SWIM frame");
        }
        int signedLength = length - TAG_BYTES;
        Mac mac = macs.get();
        mac.update(frame, 0, signedLength);
        byte[] expected = mac.doFinal();
        byte[] actual = new byte[TAG_BYTES];
        System.arraycopy(frame, signedLength, actual, 0, TAG_BYTES);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new SwimFrameException(SwimFrameException.Reason.BAD_SIGNATURE, "bad signature");
        }
        ByteBuffer b = ByteBuffer.wrap(frame, 3, HEADER_BYTES - 3);
        return new Opened(b.getLong(), b.getLong(), b.getLong(), HEADER_BYTES, signedLength - HEADER_BYTES);
    }

    long replica() {
        return replica;
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(HMAC + " is not available", e);
        }
    }
}
