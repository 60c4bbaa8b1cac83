package dev.starling.crdt;

import java.util.List;

/**
 * Reads the siblings of a multi-value register as one value. Resolvers run on read only; the state
 * keeps every sibling, so two replicas with equal state read equal values with the same resolver.
 *
 * @param <V> sibling value type
 * @param <R> result type
 */
@FunctionalInterface
public interface Resolver<V, R> {

    /** The value read from {@code siblings} (in dot order; empty when nothing was written). */
    R resolve(List<MvRegister.Sibling<V>> siblings);
}
