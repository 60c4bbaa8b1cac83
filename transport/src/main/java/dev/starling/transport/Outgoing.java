package dev.starling.transport;

/** One queued outbound message. */
record Outgoing(int type, byte[] payload) {

    /** Bytes this message adds to a batch frame. */
    int encodedSize() {
        return FrameEncoder.messageEntrySize(type, payload.length);
    }
}
