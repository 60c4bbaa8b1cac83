package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The peers this node has heard of, by gossip address: which replica answers there, and whether it
 * left gracefully. Learned only from signed messages (the frame's sender and the addresses in its
 * membership records) and from member metadata. Removal from the membership does not forget an
 * address; that is what lets {@link Membership} retry peers after a partition outlasts removal.
 * Bounded: past {@code capacity} addresses the one heard of least recently is forgotten, so a long
 * partition, or a churn of short-lived nodes, cannot grow it. Thread-safe.
 */
final class AddressBook {

    /** One remembered peer. */
    record Peer(String address, ReplicaId replicaId, boolean left) {
    }

    private final Map<String, Peer> peers;

    AddressBook(int capacity) {
        this.peers = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Peer> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records that {@code replica} answers at {@code address}. */
    synchronized void learn(String address, ReplicaId replica) {
        Peer p = peers.get(address);
        if (p == null || !p.replicaId.equals(replica) || p.left) {
            peers.put(address, new Peer(address, replica, false));
        }
    }

    /** Records that the peer at {@code address} left gracefully (it is retried last). */
    synchronized void markLeft(String address) {
        Peer p = peers.get(address);
        if (p != null && !p.left) {
            peers.put(address, new Peer(address, p.replicaId, true));
        }
    }

    /** The replica last known at {@code address}, or null. A lookup counts as use for the eviction order. */
    synchronized ReplicaId replicaOf(String address) {
        Peer p = peers.get(address);
        return p == null ? null : p.replicaId;
    }

    /** A copy of every remembered peer. */
    synchronized List<Peer> peers() {
        return new ArrayList<>(peers.values());
    }

    synchronized int size() {
        return peers.size();
    }
}
