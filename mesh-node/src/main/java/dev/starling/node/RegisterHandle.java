package dev.starling.node;

import dev.starling.crdt.MvRegister;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.replication.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A named multi-value register. Concurrent writes are kept side by side as siblings; a causally
 * later write replaces what its writer had seen. {@link #latest} (the {@code lww} reading: the
 * sibling with the highest HLC) is lock-free and allocation-free; the other resolvers read
 * {@link #siblings}.
 */
public final class RegisterHandle {

    private final Node node;
    private final ObjectCell cell;

    RegisterHandle(Node node, ObjectCell cell) {
        this.node = node;
        this.cell = cell;
    }

    public String name() {
        return cell.key.name();
    }

    public ObjectKind kind() {
        return cell.key.kind();
    }

    public boolean exists() {
        return cell.state() != null;
    }

    /** The value of the sibling with the highest HLC, or {@code null}. */
    public Value latest() {
        return cell.latest();
    }

    public <T> T latest(ValueType<T> type) {
        Value v = cell.latest();
        return v == null ? null : v.as(type);
    }

    /** The concurrent values, in dot order, copied. */
    public List<Value> siblings() {
        MvRegister<Value> r = register();
        if (r == null) {
            return List.of();
        }
        List<Value> out = new ArrayList<>();
        for (MvRegister.Sibling<Value> s : r.siblings()) {
            out.add(s.value());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public MvRegister<Value> register() {
        return (MvRegister<Value>) cell.state();
    }

    public CompletableFuture<WriteResult> write(Value value) {
        return write(value, AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    public CompletableFuture<WriteResult> write(Value value, AckLevel ack, Duration timeout) {
        return node.write(new Op.RegisterWrite(kind(), name(), value), ack, timeout);
    }

    public Subscription subscribe(ChangeListener listener) {
        return cell.subscribe(listener);
    }
}
