package dev.starling.node;

import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.Op;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A named LWW map (a document whose fields merge independently). Reads are lock-free and
 * allocation-free: {@link #get} is a volatile load and a trie lookup.
 */
public final class MapHandle {

    private final Node node;
    private final ObjectCell cell;

    MapHandle(Node node, ObjectCell cell) {
        this.node = node;
        this.cell = cell;
    }

    public String name() {
        return cell.key.name();
    }

    /** Whether this node has ever seen the map (a map whose keys were all removed still exists). */
    public boolean exists() {
        return cell.state() != null;
    }

    /** The value of {@code key}, or {@code null} if absent or removed. */
    public Value get(String key) {
        LwwMap<String, Value> m = map();
        return m == null ? null : m.get(key);
    }

    /** The value of {@code key} decoded as {@code type} (decoded once per value, then cached). */
    public <T> T get(String key, ValueType<T> type) {
        Value v = get(key);
        return v == null ? null : v.as(type);
    }

    /** The register of {@code key} with its HLC (a tombstone if removed), or {@code null}. */
    public LwwRegister<Value> entry(String key) {
        LwwMap<String, Value> m = map();
        return m == null ? null : m.entry(key);
    }

    /** The live entries, copied. */
    public Map<String, Value> toMap() {
        LwwMap<String, Value> m = map();
        return m == null ? Map.of() : m.toMap();
    }

    public int size() {
        LwwMap<String, Value> m = map();
        return m == null ? 0 : m.size();
    }

    /** The current state (immutable), or {@code null} if the map does not exist here. */
    @SuppressWarnings("unchecked")
    public LwwMap<String, Value> map() {
        return (LwwMap<String, Value>) cell.state();
    }

    public CompletableFuture<WriteResult> put(String key, Value value) {
        return put(key, value, AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    public <T> CompletableFuture<WriteResult> put(String key, T value, ValueType<T> type) {
        return put(key, Value.wrap(type.encode(value)));
    }

    public CompletableFuture<WriteResult> put(String key, Value value, AckLevel ack, Duration timeout) {
        return node.write(new Op.MapPut(name(), key, value), ack, timeout);
    }

    public CompletableFuture<WriteResult> remove(String key) {
        return remove(key, AckLevel.LOCAL, Node.DEFAULT_WRITE_TIMEOUT);
    }

    public CompletableFuture<WriteResult> remove(String key, AckLevel ack, Duration timeout) {
        return node.write(new Op.MapRemove(name(), key), ack, timeout);
    }

    public Subscription subscribe(ChangeListener listener) {
        return cell.subscribe(listener);
    }

    ObjectKey key() {
        return cell.key;
    }
}
