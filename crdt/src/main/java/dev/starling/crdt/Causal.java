package dev.starling.crdt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A dot store with the causal context it is read against: the state of a causal CRDT, or a delta
 * of one. Nested types inside an {@link OrMap} share the map's context, so their mutators take and
 * return this pair instead of a whole CRDT.
 */
public record Causal<S extends DotStore<S>>(S store, CausalContext context) {

    public Causal {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(context, "context");
    }

    /** The join of two pairs. */
    public Causal<S> join(Causal<S> other) {
        return new Causal<>(store.join(context, other.store, other.context), context.merge(other.context));
    }

    /** The context made of every dot in {@code store}. */
    public static CausalContext dotsOf(DotStore<?> store) {
        List<Dot> dots = new ArrayList<>();
        store.forEachDot(dots::add);
        return CausalContext.of(dots);
    }
}
