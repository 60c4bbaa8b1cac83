package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One member as this node sees it.
 *
 * @param replicaId     the member's replica id (from its signed metadata)
 * @param name          its label
 * @param gossipAddress its SWIM address, {@code host:port}
 * @param dataAddress   where its data plane listens
 * @param status        what this node believes about it
 */
public record Member(ReplicaId replicaId, String name, String gossipAddress, InetSocketAddress dataAddress,
                     MemberStatus status) {

    public Member {
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(gossipAddress, "gossipAddress");
        Objects.requireNonNull(dataAddress, "dataAddress");
        Objects.requireNonNull(status, "status");
    }

    /** This member with another status. */
    public Member withStatus(MemberStatus newStatus) {
        return newStatus == status ? this : new Member(replicaId, name, gossipAddress, dataAddress, newStatus);
    }
}
