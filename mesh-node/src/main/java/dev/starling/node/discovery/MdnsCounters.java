package dev.starling.node.discovery;

/**
 * A snapshot of what {@link MdnsDiscovery} has seen since it started.
 *
 * @param announcementsSeen resolved announcements handled: ours, other clusters' and malformed
 *     ones included; a peer reported again after a re-query counts again
 * @param peersReported calls of the peer callback
 * @param malformedIgnored announcements dropped as malformed (bad TXT record, bad instance name,
 *     SRV port that is not the advertised gossip port, unknown format version)
 * @param otherClusterIgnored well-formed announcements of another cluster, dropped
 */
public record MdnsCounters(long announcementsSeen, long peersReported, long malformedIgnored, long otherClusterIgnored) {
}
