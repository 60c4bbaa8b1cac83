package dev.starling.node.replication;

/**
 * Counters of one {@link Replicator} since it was created (a snapshot; the node exports them as
 * metrics). Bytes are payload bytes, without the transport's envelope.
 *
 * @param deltasSent         delta records sent in DELTAS messages (pushes and resends) and relays
 * @param deltasReceived     delta records received (DELTAS and RELAY)
 * @param deltaBytesSent     payload bytes of DELTAS and RELAY messages sent
 * @param resends            resend batches started (one per peer per resend interval at most)
 * @param relays             records relayed to other peers
 * @param acksReceived       DELTA_ACK messages received
 * @param refusedClock       records or entries refused because an HLC was beyond the drift bound
 * @param malformed          messages (or parts of them) that failed to decode or check, ignored
 * @param unknownTypes       messages of a type this version does not know, ignored
 * @param aeRounds           anti-entropy rounds started by this replica
 * @param aeEqualRounds      summaries (sent or received) that found equal roots
 * @param aeBytesSent        payload bytes of anti-entropy messages sent
 * @param aeBytesReceived    payload bytes of anti-entropy messages received
 * @param aeEntriesSent      entry states sent by anti-entropy
 * @param aeEntriesReceived  entry states received by anti-entropy
 * @param writesMet          writes whose ack level was met
 * @param writesNotMet       writes that timed out before their ack level
 */
public record ReplicatorStats(long deltasSent, long deltasReceived, long deltaBytesSent, long resends, long relays,
        long acksReceived, long refusedClock, long malformed, long unknownTypes, long aeRounds, long aeEqualRounds,
        long aeBytesSent, long aeBytesReceived, long aeEntriesSent, long aeEntriesReceived, long writesMet,
        long writesNotMet) {

    /** The mutable counters behind the snapshot; single-threaded like the replicator. */
    static final class Counters {
        long deltasSent;
        long deltasReceived;
        long deltaBytesSent;
        long resends;
        long relays;
        long acksReceived;
        long refusedClock;
        long malformed;
        long unknownTypes;
        long aeRounds;
        long aeEqualRounds;
        long aeBytesSent;
        long aeBytesReceived;
        long aeEntriesSent;
        long aeEntriesReceived;
        long writesMet;
        long writesNotMet;

        ReplicatorStats snapshot() {
            return new ReplicatorStats(deltasSent, deltasReceived, deltaBytesSent, resends, relays, acksReceived,
                refusedClock, malformed, unknownTypes, aeRounds, aeEqualRounds, aeBytesSent, aeBytesReceived,
                aeEntriesSent, aeEntriesReceived, writesMet, writesNotMet);
        }
    }
}
