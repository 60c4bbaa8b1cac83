package dev.starling.crdt;

/**
 * The contract of every replicated data type here, in the delta-state style of [1]: a state is an
 * element of a join-semilattice, and {@link #merge} is its join, so it is commutative, associative
 * and idempotent, and replicas that have merged the same states are equal whatever the order,
 * duplication or batching of what they received.
 *
 * <p>Each type's delta-mutators ({@code xxxDelta(...)}) return a small state {@code d} with
 * {@code x.merge(d)} equal to applying the mutation to {@code x}; since a delta is itself a state,
 * deltas are shipped and joined like states, and several deltas joined together form a delta group.
 * A type's plain mutators ({@code xxx(...)}) return the new full state directly; the law suite
 * checks that both agree. All implementations are immutable values with {@code equals} on state.
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 *
 * @param <T> the implementing type
 */
public interface Crdt<T extends Crdt<T>> {

    /** The least upper bound of this state and {@code other}. */
    T merge(T other);

    /** True when this is the bottom state (nothing was ever written, or a delta that changes nothing). */
    boolean isBottom();
}
