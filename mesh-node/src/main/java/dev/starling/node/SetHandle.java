package dev.starling.node;

import dev.starling.crdt.OrSet;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.Op;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A named add-wins OR-set of strings. {@link #contains} is lock-free and allocation-free. */
public final class SetHandle {

    private final Node node;
    private final ObjectCell cell;

    SetHandle(Node node, ObjectCell cell) {
        this.node = node;
        this.cell = cell;
    }

    public String name() {
        return cell.key.name();
    }

    public boolean exists() {
        return cell.state() != null;
    }

    public boolean contains(String element) {
        OrSet<String> s = set();
        return s != null && s.contains(element);
    }

    /** The elements in sorted order, copied. */
    public List<String> elements() {
        OrSet<String> s = set();
        return s == null ? List.of() : s.sortedElements();
    }

    public int size() {
        OrSet<String> s = set();
        return s == null ? 0 : s.size();
    }

    @SuppressWarnings("unchecked")
    public OrSet<String> set() {
        return (OrSet<String>) cell.state();
    }

    public CompletableFuture<WriteResult> add(String element) {
        return update(List.of(element), List.of(), AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    public CompletableFuture<WriteResult> remove(String element) {
        return update(List.of(), List.of(element), AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    /** Adds and removes in one write; an element in both is added. */
    public CompletableFuture<WriteResult> update(Collection<String> add, Collection<String> remove,
                                                 AckLevel ack, Duration timeout) {
        return node.write(new Op.SetUpdate(name(), List.copyOf(add), List.copyOf(remove)), ack, timeout);
    }

    public Subscription subscribe(ChangeListener listener) {
        return cell.subscribe(listener);
    }
}
