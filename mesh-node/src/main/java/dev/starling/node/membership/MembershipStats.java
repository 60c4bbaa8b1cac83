package dev.starling.node.membership;

/**
 * Counters of the SWIM traffic of one node since it started.
 *
 * @param messagesReceived    frames that passed the signature check and decoded into a SWIM message
 * @param droppedUnsigned     frames without Starling's signed-frame header, or too short to hold a tag
 *                            (Java serialization streams, stray connections)
 * @param droppedBadSignature frames whose HMAC did not match (another secret or cluster name, or tampered)
 * @param droppedReplayed     correctly signed frames seen before, or too old for the replay window
 * @param droppedUndecodable  correctly signed frames whose content is not a known SWIM message
 * @param droppedByFaults     messages dropped by injected faults (sent or received)
 * @param rejoinAttempts      syncs sent to remembered peers and seeds that were not members
 */
public record MembershipStats(long messagesReceived, long droppedUnsigned, long droppedBadSignature,
                              long droppedReplayed, long droppedUndecodable, long droppedByFaults,
                              long rejoinAttempts) {
}
