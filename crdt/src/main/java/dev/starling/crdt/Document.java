package dev.starling.crdt;

import dev.starling.crdt.MvRegister.Timestamped;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One document of a collection: the entry of the collection's OR-map docId -> {embedding register,
 * text (LWW), metadata (LWW map)}, carried with its own causal context so that documents replicate,
 * digest and store one by one (like the keys of an LWW map).
 *
 * <p>The three fields are dot stores under the document's context:
 * <ul>
 *   <li><b>embedding</b>: an {@link EmbeddingRegister}'s store; concurrent writes are all kept and
 *       read as their L2-normalised mean, newer model versions dominate;</li>
 *   <li><b>text</b>: a multi-value register of strings read last-writer-wins (highest HLC);</li>
 *   <li><b>metadata</b>: per key, a multi-value register read last-writer-wins.</li>
 * </ul>
 *
 * <p>An upsert replaces the whole document: its delta holds the new embedding, text and metadata
 * under fresh dots and, in its context, every dot the writer had seen in the document, so the old
 * fields go everywhere the delta arrives. A delete is the same without new dots. As in an
 * {@link OrMap}, an upsert concurrent with a delete survives it (update-wins), and upserts concurrent
 * with each other keep both embeddings (averaged), the text with the higher HLC, and the union of the
 * metadata keys (per key the higher HLC).
 *
 * <p>A document is live while its embedding register holds a value: every upsert writes one, so a
 * surviving upsert always leaves a searchable document. A deleted document keeps its context (a
 * version vector of a few bytes), which stops a late delta of an older upsert from resurrecting it.
 *
 * @param <V> metadata value type, immutable with value equality
 */
public final class Document<V> implements Crdt<Document<V>> {

    private static final Document<?> EMPTY =
        new Document<>(DotFun.empty(), DotFun.empty(), DotMap.empty(), CausalContext.empty());

    private final DotFun<EmbeddingValue> embedding;
    private final DotFun<Timestamped<String>> text;
    private final DotMap<String, DotFun<Timestamped<V>>> metadata;
    private final CausalContext context;

    private Document(DotFun<EmbeddingValue> embedding, DotFun<Timestamped<String>> text,
                     DotMap<String, DotFun<Timestamped<V>>> metadata, CausalContext context) {
        this.embedding = embedding;
        this.text = text;
        this.metadata = metadata;
        this.context = context;
    }

    @SuppressWarnings("unchecked")
    public static <V> Document<V> empty() {
        return (Document<V>) EMPTY;
    }

    /** Builds a document from decoded parts; {@code metadata} must be a state (not key-complete). */
    public static <V> Document<V> of(DotFun<EmbeddingValue> embedding, DotFun<Timestamped<String>> text,
                                     DotMap<String, DotFun<Timestamped<V>>> metadata, CausalContext context) {
        return new Document<>(Objects.requireNonNull(embedding, "embedding"), Objects.requireNonNull(text, "text"),
            Objects.requireNonNull(metadata, "metadata").asState(), Objects.requireNonNull(context, "context"));
    }

    public DotFun<EmbeddingValue> embeddingStore() {
        return embedding;
    }

    public DotFun<Timestamped<String>> textStore() {
        return text;
    }

    public DotMap<String, DotFun<Timestamped<V>>> metadataStore() {
        return metadata;
    }

    public CausalContext context() {
        return context;
    }

    /** Whether the document exists (an upsert survives in it). */
    public boolean isLive() {
        return !embedding.isEmpty();
    }

    @Override
    public boolean isBottom() {
        return embedding.isEmpty() && text.isEmpty() && metadata.isEmpty() && context.isEmpty();
    }

    /** The resolved vector (a fresh array: mean of the dominant model's siblings, normalised), or null. */
    public float[] vector() {
        return EmbeddingRegister.resolve(embedding);
    }

    /** The model of {@link #vector()}, or null when the document is not live. */
    public ModelVersion model() {
        List<EmbeddingValue> c = EmbeddingRegister.contributing(embedding);
        return c.isEmpty() ? null : c.get(0).model();
    }

    /** The dimension of {@link #vector()}, or 0 when the document is not live. */
    public int dimensions() {
        List<EmbeddingValue> c = EmbeddingRegister.contributing(embedding);
        return c.isEmpty() ? 0 : c.get(0).dimensions();
    }

    /** The embedding siblings, in dot order (more than one after concurrent upserts). */
    public List<EmbeddingValue> embeddings() {
        return embedding.values();
    }

    /** The text with the highest HLC, or null when no surviving upsert had a text. */
    public String text() {
        Timestamped<String> t = latest(text);
        return t == null ? null : t.value();
    }

    /** The HLC of the latest surviving text, or null (no text, or only upserts by vector). */
    public Hlc hlc() {
        Hlc max = null;
        for (int i = 0; i < text.size(); i++) {
            max = Hlc.max(max, text.valueAt(i).hlc());
        }
        return max;
    }

    /** The metadata, each key read last-writer-wins, sorted by key. */
    public Map<String, V> metadata() {
        if (metadata.isEmpty()) {
            return Map.of();
        }
        Map<String, V> out = new TreeMap<>();
        metadata.forEach((k, fun) -> {
            Timestamped<V> t = latest(fun);
            if (t != null) {
                out.put(k, t.value());
            }
        });
        return Collections.unmodifiableMap(out);
    }

    private static <T> Timestamped<T> latest(DotFun<Timestamped<T>> fun) {
        Timestamped<T> best = null;
        for (int i = 0; i < fun.size(); i++) {
            Timestamped<T> t = fun.valueAt(i);
            if (best == null || t.hlc().compareTo(best.hlc()) > 0) {
                best = t;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- mutators

    /**
     * The delta of replacing the document with {@code embedding}, {@code text} (may be null) and
     * {@code metadata}, written by {@code replica} at {@code hlc}. With {@code text} null (an upsert
     * by vector) the document has no text afterwards; nothing is spent on it on the wire.
     */
    public Document<V> upsertDelta(ReplicaId replica, Hlc hlc, EmbeddingValue embedding, String text,
                                   Map<String, V> metadata) {
        Objects.requireNonNull(replica, "replica");
        Objects.requireNonNull(hlc, "hlc");
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(metadata, "metadata");
        long next = context.max(replica) + 1;
        List<Dot> fresh = new ArrayList<>(2 + metadata.size());
        Dot e = new Dot(replica, next++);
        fresh.add(e);
        DotFun<Timestamped<String>> t = DotFun.empty();
        if (text != null) {
            Dot td = new Dot(replica, next++);
            fresh.add(td);
            t = DotFun.of(td, new Timestamped<>(text, hlc));
        }
        Map<String, DotFun<Timestamped<V>>> meta = new HashMap<>();
        for (Map.Entry<String, V> m : new TreeMap<>(metadata).entrySet()) {
            Dot md = new Dot(replica, next++);
            fresh.add(md);
            meta.put(Objects.requireNonNull(m.getKey(), "metadata key"),
                DotFun.of(md, new Timestamped<>(Objects.requireNonNull(m.getValue(), "metadata value"), hlc)));
        }
        CausalContext ctx = Causal.dotsOf(this.embedding).merge(Causal.dotsOf(this.text))
            .merge(Causal.dotsOf(this.metadata)).merge(CausalContext.of(fresh));
        return new Document<>(DotFun.of(e, embedding), t, DotMap.of(meta, null), ctx);
    }

    /** The state after {@link #upsertDelta}. */
    public Document<V> upsert(ReplicaId replica, Hlc hlc, EmbeddingValue embedding, String text,
                              Map<String, V> metadata) {
        return merge(upsertDelta(replica, hlc, embedding, text, metadata));
    }

    /** The delta of deleting the document: no values, and every dot seen in it. */
    public Document<V> deleteDelta() {
        CausalContext ctx = Causal.dotsOf(embedding).merge(Causal.dotsOf(text)).merge(Causal.dotsOf(metadata));
        return new Document<>(DotFun.empty(), DotFun.empty(), DotMap.empty(), ctx);
    }

    /** The state after deleting the document (its context stays). */
    public Document<V> delete() {
        return new Document<>(DotFun.empty(), DotFun.empty(), DotMap.empty(), context);
    }

    @Override
    public Document<V> merge(Document<V> other) {
        if (other == this || other.isBottom()) {
            return this;
        }
        if (isBottom()) {
            return other;
        }
        return new Document<>(
            embedding.join(context, other.embedding, other.context),
            text.join(context, other.text, other.context),
            metadata.join(context, other.metadata, other.context).asState(),
            context.merge(other.context));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Document)) {
            return false;
        }
        Document<?> d = (Document<?>) o;
        return context.equals(d.context) && embedding.equals(d.embedding) && text.equals(d.text)
            && metadata.equals(d.metadata);
    }

    @Override
    public int hashCode() {
        return ((embedding.hashCode() * 31 + text.hashCode()) * 31 + metadata.hashCode()) * 31 + context.hashCode();
    }

    @Override
    public String toString() {
        return "Document{embedding=" + embedding + ", text=" + text + ", metadata=" + metadata + ", ctx=" + context
            + "}";
    }
}
