package dev.starling.node.replication;

import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.Document;
import dev.starling.crdt.internal.PersistentHashMap;
import dev.starling.node.Value;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A collection's replica state: its header and its documents by id (deleted ones too, which keep
 * their causal context). Replicated, digested and stored per document (and the header under the
 * empty key), like the keys of a map; this class is the immutable whole that readers see. Updating
 * one document copies O(log n) trie nodes.
 */
public final class CollectionState implements Crdt<CollectionState> {

    public static final CollectionState EMPTY =
        new CollectionState(CollectionHeader.bottom(), PersistentHashMap.empty(), 0);

    private final CollectionHeader header;
    private final PersistentHashMap<String, Document<Value>> docs;
    private final int live;

    private CollectionState(CollectionHeader header, PersistentHashMap<String, Document<Value>> docs, int live) {
        this.header = header;
        this.docs = docs;
        this.live = live;
    }

    public CollectionHeader header() {
        return header;
    }

    /** The document {@code id} (possibly deleted: check {@link Document#isLive()}), or null if never seen. */
    public Document<Value> document(String id) {
        return docs.get(id);
    }

    /** The live document {@code id}, or null. */
    public Document<Value> live(String id) {
        Document<Value> d = docs.get(id);
        return d != null && d.isLive() ? d : null;
    }

    /** Live documents. */
    public int size() {
        return live;
    }

    /** Documents held, deleted ones included. */
    public int documentCount() {
        return docs.size();
    }

    /** Every document held, deleted ones included. */
    public void forEach(BiConsumer<String, Document<Value>> action) {
        docs.forEach(action);
    }

    CollectionState withHeader(CollectionHeader h) {
        return new CollectionState(Objects.requireNonNull(h), docs, live);
    }

    CollectionState with(String id, Document<Value> doc) {
        Document<Value> old = docs.get(id);
        int delta = (doc.isLive() ? 1 : 0) - (old != null && old.isLive() ? 1 : 0);
        return new CollectionState(header, docs.put(id, doc), live + delta);
    }

    @Override
    public CollectionState merge(CollectionState other) {
        CollectionState r = withHeader(header.merge(other.header));
        for (var e : other.docs) {
            Document<Value> mine = r.docs.get(e.getKey());
            r = r.with(e.getKey(), mine == null ? e.getValue() : mine.merge(e.getValue()));
        }
        return r;
    }

    @Override
    public boolean isBottom() {
        return header.isBottom() && docs.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CollectionState c && header.equals(c.header) && docs.equals(c.docs);
    }

    @Override
    public int hashCode() {
        return header.hashCode() * 31 + docs.hashCode();
    }

    @Override
    public String toString() {
        return "Collection{" + header + ", " + live + " live of " + docs.size() + "}";
    }
}
