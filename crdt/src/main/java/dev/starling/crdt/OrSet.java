package dev.starling.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Add-wins observed-remove set, the optimized dot-based form of [1, section 7.2] (after the ORSWOT
 * of Riak): each element carries the dots of its live adds; a remove takes away the dots it has seen,
 * so an add concurrent with a remove survives it. Removed elements leave nothing behind: the state
 * is the live elements with their dots, plus a causal context that compacts to a version vector.
 *
 * <p>Example: A and B both hold {x} added at dot A:1. A removes x (delta: no entries, context
 * {A:1}); concurrently B adds x again (delta: x at B:1, context {A:1, B:1}). After both deltas
 * everywhere: A:1 is gone (seen by the remove), B:1 is unseen by the remove and stays: x is in.
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 *
 * @param <E> element type, immutable with value equality
 */
public final class OrSet<E> implements Crdt<OrSet<E>> {

    private static final OrSet<?> EMPTY = new OrSet<>(DotMap.empty(), CausalContext.empty());

    private final DotMap<E, DotSet> store;
    private final CausalContext context;

    private OrSet(DotMap<E, DotSet> store, CausalContext context) {
        this.store = store;
        this.context = context;
    }

    @SuppressWarnings("unchecked")
    public static <E> OrSet<E> empty() {
        return (OrSet<E>) EMPTY;
    }

    /** A set from its parts (used by codecs and by views into an {@link OrMap}). */
    public static <E> OrSet<E> of(DotMap<E, DotSet> store, CausalContext context) {
        return new OrSet<>(Objects.requireNonNull(store, "store"), Objects.requireNonNull(context, "context"));
    }

    public DotMap<E, DotSet> store() {
        return store;
    }

    public CausalContext context() {
        return context;
    }

    public boolean contains(Object element) {
        return store.containsKey(element);
    }

    public int size() {
        return store.size();
    }

    public boolean isEmpty() {
        return store.isEmpty();
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    /** The live elements (a copy). */
    public Set<E> elements() {
        return store.keys();
    }

    /** The live elements sorted by their natural order (a copy). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public List<E> sortedElements() {
        List<E> l = new ArrayList<>(store.keys());
        Collections.sort((List) l);
        return l;
    }

    /** Delta of adding {@code element} at {@code replica}: a fresh dot replaces the dots it had. */
    public OrSet<E> addDelta(ReplicaId replica, E element) {
        Causal<DotMap<E, DotSet>> d = addDelta(store, context, replica, element);
        return new OrSet<>(d.store(), d.context());
    }

    /** Delta of removing {@code element}: the dots seen for it, and nothing in the store. */
    public OrSet<E> removeDelta(E element) {
        Causal<DotMap<E, DotSet>> d = removeDelta(store, element);
        return new OrSet<>(d.store(), d.context());
    }

    /** The state after adding {@code element} at {@code replica}. */
    public OrSet<E> add(ReplicaId replica, E element) {
        Objects.requireNonNull(element, "element");
        Dot dot = context.nextDot(replica);
        return new OrSet<>(store.with(element, DotSet.of(dot)), context.add(dot));
    }

    /** The state after removing {@code element}. */
    public OrSet<E> remove(E element) {
        return store.containsKey(element) ? new OrSet<>(store.withoutKey(element), context) : this;
    }

    /** The add delta against any OR-set store (for example one nested in an {@link OrMap}). */
    public static <E> Causal<DotMap<E, DotSet>> addDelta(
            DotMap<E, DotSet> store, CausalContext context, ReplicaId replica, E element) {
        Objects.requireNonNull(element, "element");
        Dot dot = context.nextDot(replica);
        DotSet old = store.get(element);
        CausalContext deltaContext = old == null ? CausalContext.of(dot) : old.toContext().add(dot);
        return new Causal<>(DotMap.delta(element, DotSet.of(dot)), deltaContext);
    }

    /** The remove delta against any OR-set store. */
    public static <E> Causal<DotMap<E, DotSet>> removeDelta(DotMap<E, DotSet> store, E element) {
        Objects.requireNonNull(element, "element");
        DotSet old = store.get(element);
        if (old == null) {
            return new Causal<>(DotMap.emptyDelta(), CausalContext.empty());
        }
        return new Causal<>(DotMap.delta(element, DotSet.empty()), old.toContext());
    }

    @Override
    public OrSet<E> merge(OrSet<E> other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        return new OrSet<>(store.join(context, other.store, other.context), context.merge(other.context));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OrSet)) {
            return false;
        }
        OrSet<?> s = (OrSet<?>) o;
        return context.equals(s.context) && store.equals(s.store);
    }

    @Override
    public int hashCode() {
        return store.hashCode() * 31 + context.hashCode();
    }

    @Override
    public String toString() {
        return "OrSet" + store + " ctx=" + context;
    }
}
