package dev.starling.node.replication;

/**
 * Data-plane message types of replication (the transport envelope's type field). Types below 16
 * belong to the transport. Numbers are never reused; a receiver counts and ignores unknown types.
 */
public final class MessageTypes {

    public static final int DELTAS = 16;
    public static final int DELTA_ACK = 17;
    public static final int AE_SUMMARY = 18;
    public static final int AE_BUCKETS = 19;
    public static final int AE_ENTRIES = 20;
    public static final int AE_REQUEST = 21;
    public static final int RELAY = 22;

    /** The first type this layer uses and the last it may use. */
    public static final int FIRST = 16;
    public static final int LAST = 63;

    private MessageTypes() {
    }
}
