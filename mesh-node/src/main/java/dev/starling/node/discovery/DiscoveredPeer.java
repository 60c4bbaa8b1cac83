package dev.starling.node.discovery;

import dev.starling.crdt.ReplicaId;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A node of our cluster found by mDNS: a candidate seed for membership, nothing more (mDNS is
 * unauthenticated; see docs/discovery.md).
 *
 * @param name its mDNS service instance name ({@code <node name>-<replica id>}, see
 *     {@link MdnsConfig#instanceName()}); printable, at most 63 bytes
 * @param cluster its cluster name, equal to ours
 * @param replicaId its replica id, never ours
 * @param gossip its SWIM address as {@code host:port} (an IPv6 literal in brackets)
 * @param data its data-plane address: resolved if advertised as an IP literal, unresolved if as a
 *     host name (nothing is looked up on the discovery thread)
 */
public record DiscoveredPeer(String name, String cluster, ReplicaId replicaId, String gossip, InetSocketAddress data) {

    public DiscoveredPeer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(gossip, "gossip");
        Objects.requireNonNull(data, "data");
    }
}
