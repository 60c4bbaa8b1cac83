package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import java.util.Objects;

/**
 * The metadata a member publishes through SWIM: the cluster it belongs to, its replica id, its
 * label, and where its data plane listens. Encoded by {@link MemberMetaCodec}, never by Java
 * serialization.
 */
record MemberMeta(String cluster, ReplicaId replicaId, String name, String dataHost, int dataPort) {

    MemberMeta {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(replicaId, "replicaId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataHost, "dataHost");
    }
}
