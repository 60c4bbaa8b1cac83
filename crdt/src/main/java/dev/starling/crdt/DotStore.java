package dev.starling.crdt;

import java.util.function.Consumer;

/**
 * A dot store: the payload of a causal CRDT, whose entries are tagged with the dots (events) that
 * created them [1, section 6]. Paired with a {@link CausalContext}, a store is joined with another
 * by keeping what both have, and what one has that the other has not yet seen; what one has and
 * the other has seen but no longer has was removed, and stays removed. That is the whole trick
 * that gives add-wins sets and multi-value registers without tombstones.
 *
 * <p>Implementations are immutable, and an empty store is a legal value (never null).
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 *
 * @param <S> the implementing type
 */
public interface DotStore<S extends DotStore<S>> {

    /** True when the store holds no dot. */
    boolean isEmpty();

    /** Calls {@code action} for every dot in the store. */
    void forEachDot(Consumer<? super Dot> action);

    /**
     * The join of {@code (this, context)} with {@code (other, otherContext)}; the caller joins the
     * contexts. The result may be empty.
     */
    S join(CausalContext context, S other, CausalContext otherContext);

    /** This store without the entries whose dots are in {@code context} (join with an empty store). */
    S without(CausalContext context);

    /**
     * This store as part of a replica state: without the index a delta may carry for fast joins
     * (see {@link DotMap#isKeyComplete()}), at any depth. Stores that keep no index return themselves.
     */
    @SuppressWarnings("unchecked")
    default S asState() {
        return (S) this;
    }
}
