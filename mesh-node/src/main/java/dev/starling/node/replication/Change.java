package dev.starling.node.replication;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;

/**
 * One applied change of one object (and one key of it, where the kind has keys), local or
 * replicated. It feeds the change feed, the subscriptions of the embedded API and the readers'
 * published state.
 *
 * @param object the object
 * @param key    the map key or set element, {@code null} for counters and registers
 * @param op     what happened to it
 * @param origin the replica whose write this is ({@code self} for local writes); for a change
 *               learned by anti-entropy, the replica that sent the state
 * @param hlc    the write's HLC where it has one (map puts and removes, register writes, every local
 *               write); otherwise the receiving node's clock at application
 * @param state  the whole state of the object after the change
 */
public record Change(ObjectKey object, String key, Op op, ReplicaId origin, Hlc hlc, Crdt<?> state) {

    public enum Op {
        PUT, REMOVE, ADD, UPDATE, WRITE;

        public String wireName() {
            return name().toLowerCase();
        }
    }
}
