package dev.starling.node;

import dev.starling.crdt.PnCounter;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.Op;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A named PN counter. */
public final class CounterHandle {

    private final Node node;
    private final ObjectCell cell;

    CounterHandle(Node node, ObjectCell cell) {
        this.node = node;
        this.cell = cell;
    }

    public String name() {
        return cell.key.name();
    }

    public boolean exists() {
        return cell.state() != null;
    }

    /** The value; 0 if the counter does not exist here. */
    public long value() {
        PnCounter c = (PnCounter) cell.state();
        return c == null ? 0 : c.value();
    }

    public CompletableFuture<WriteResult> add(long amount) {
        return add(amount, AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    public CompletableFuture<WriteResult> add(long amount, AckLevel ack, Duration timeout) {
        return node.write(new Op.CounterAdd(name(), amount), ack, timeout);
    }

    public Subscription subscribe(ChangeListener listener) {
        return cell.subscribe(listener);
    }
}
