package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.CausalContext;
import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotFun;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.Document;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.MvRegister.Timestamped;
import dev.starling.crdt.proto.v1.CausalContextProto;
import dev.starling.crdt.proto.v1.CollectionHeaderProto;
import dev.starling.crdt.proto.v1.DocumentMetadataProto;
import dev.starling.crdt.proto.v1.DocumentProto;
import dev.starling.crdt.proto.v1.EmbeddingSiblingProto;
import dev.starling.crdt.proto.v1.MvSiblingProto;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Codec of {@link Document} and {@link CollectionHeader}. Deterministic (siblings in dot order,
 * metadata keys in unsigned byte order), so equal states encode to equal bytes, which the node's
 * digests rely on. Decoding enforces {@link DecodeLimits}: key and value sizes, siblings per field,
 * metadata keys per document ({@code maxDotsPerEntry}), and every dot seen by the context, once.
 *
 * @param <V> metadata value type
 */
public final class DocumentCodec<V> implements StateCodec<Document<V>> {

    private final ValueCodec<V> values;
    private final DecodeLimits limits;

    public DocumentCodec(ValueCodec<V> values, DecodeLimits limits) {
        this.values = Objects.requireNonNull(values, "values");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(Document<V> state) {
        return toProto(state, null).toByteArray();
    }

    @Override
    public Document<V> decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(DocumentProto.parser(), bytes, limits), null);
    }

    /**
     * Encodes a delta that travels in a record whose origin replica the receiver knows: the origin's
     * id is left out of the dots and the context (it would otherwise be written three times, 9 bytes
     * each). Decode with {@link #decode(byte[], ReplicaId)} and the same origin.
     */
    public byte[] encode(Document<V> state, ReplicaId origin) {
        return toProto(state, origin).toByteArray();
    }

    /** Decodes {@link #encode(Document, ReplicaId)}; {@code origin} null means none was left out. */
    public Document<V> decode(byte[] bytes, ReplicaId origin) throws CrdtDecodeException {
        return fromProto(Wire.parse(DocumentProto.parser(), bytes, limits), origin);
    }

    public DocumentProto toProto(Document<V> state) {
        return toProto(state, null);
    }

    private static long replicaField(Dot dot, ReplicaId origin) {
        return dot.replica().equals(origin) ? 0 : dot.replica().value();
    }

    public DocumentProto toProto(Document<V> state, ReplicaId origin) {
        DocumentProto.Builder b = DocumentProto.newBuilder();
        state.embeddingStore().forEach((dot, v) ->
            b.addEmbedding(EmbeddingRegisterCodec.sibling(replicaField(dot, origin), dot.counter(), v)));
        state.textStore().forEach((dot, t) -> b.addText(sibling(dot, origin, t.hlc(),
            t.value().getBytes(StandardCharsets.UTF_8))));
        List<Map.Entry<byte[], DotFun<Timestamped<V>>>> meta = new ArrayList<>();
        state.metadataStore().forEach((k, fun) -> meta.add(Map.entry(k.getBytes(StandardCharsets.UTF_8), fun)));
        for (Map.Entry<byte[], DotFun<Timestamped<V>>> e : Wire.sortedByKey(meta)) {
            DocumentMetadataProto.Builder m = DocumentMetadataProto.newBuilder().setKey(ByteString.copyFrom(e.getKey()));
            e.getValue().forEach((dot, t) -> m.addSiblings(sibling(dot, origin, t.hlc(), values.encode(t.value()))));
            b.addMetadata(m);
        }
        CausalContextProto context = Wire.context(state.context());
        if (origin != null && state.context().max(origin) > 0) {
            CausalContextProto.Builder c = CausalContextProto.newBuilder();
            for (int i = 0; i < context.getVvReplicasCount(); i++) {
                if (context.getVvReplicas(i) == origin.value()) {
                    b.setOriginCounter(context.getVvCounters(i));
                } else {
                    c.addVvReplicas(context.getVvReplicas(i)).addVvCounters(context.getVvCounters(i));
                }
            }
            context = c.addAllCloudReplicas(context.getCloudReplicasList())
                .addAllCloudCounters(context.getCloudCountersList()).build();
        }
        return b.setContext(context).build();
    }

    private static MvSiblingProto.Builder sibling(Dot dot, ReplicaId origin, Hlc hlc, byte[] value) {
        return MvSiblingProto.newBuilder()
            .setReplica(replicaField(dot, origin))
            .setCounter(dot.counter())
            .setPhysicalMs(hlc.physicalMs())
            .setLogical(hlc.logical())
            .setValue(ByteString.copyFrom(value));
    }

    public Document<V> fromProto(DocumentProto p) throws CrdtDecodeException {
        return fromProto(p, null);
    }

    private static Dot dot(long replica, long counter, ReplicaId origin) throws CrdtDecodeException {
        if (replica == 0 && origin != null) {
            return new Dot(origin, Wire.counter(counter));
        }
        return Wire.dot(replica, counter);
    }

    public Document<V> fromProto(DocumentProto p, ReplicaId origin) throws CrdtDecodeException {
        int max = limits.maxDotsPerEntry();
        if (p.getEmbeddingCount() > max || p.getTextCount() > max || p.getMetadataCount() > max) {
            throw new CrdtDecodeException("document with " + p.getEmbeddingCount() + " embeddings, " + p.getTextCount()
                + " texts and " + p.getMetadataCount() + " metadata keys, over the limit of " + max);
        }
        CausalContextProto contextProto = p.getContext();
        if (p.getOriginCounter() != 0) {
            if (origin == null) {
                throw new CrdtDecodeException("document with an origin counter outside a delta record");
            }
            contextProto = contextProto.toBuilder().addVvReplicas(origin.value()).addVvCounters(p.getOriginCounter())
                .build();
        }
        CausalContext context = Wire.context(contextProto);
        Set<Dot> seen = new HashSet<>();
        Map<Dot, EmbeddingValue> embedding = new HashMap<>();
        for (EmbeddingSiblingProto s : p.getEmbeddingList()) {
            Dot dot = dot(s.getReplica(), s.getCounter(), origin);
            requireNew(dot, seen, context);
            embedding.put(dot, embedding(s));
        }
        DotFun<EmbeddingValue> embeddings = DotFun.of(embedding);
        EmbeddingRegisterCodec.requireAgreeingDimensions(embeddings);
        Map<Dot, Timestamped<String>> text = new HashMap<>();
        for (MvSiblingProto s : p.getTextList()) {
            Dot dot = dot(s.getReplica(), s.getCounter(), origin);
            requireNew(dot, seen, context);
            byte[] bytes = Wire.bounded(s.getValue(), limits.maxValueBytes(), "document text");
            text.put(dot, new Timestamped<>(ValueCodec.utf8().decode(bytes), Wire.hlc(s.getPhysicalMs(), s.getLogical(),
                dot.replica())));
        }
        Map<String, DotFun<Timestamped<V>>> metadata = new HashMap<>();
        for (DocumentMetadataProto m : p.getMetadataList()) {
            String key = ValueCodec.utf8().decode(Wire.bounded(m.getKey(), limits.maxKeyBytes(), "metadata key"));
            if (m.getSiblingsCount() == 0 || m.getSiblingsCount() > max) {
                throw new CrdtDecodeException("metadata key with " + m.getSiblingsCount() + " siblings (1.." + max + ")");
            }
            Map<Dot, Timestamped<V>> siblings = new HashMap<>();
            for (MvSiblingProto s : m.getSiblingsList()) {
                Dot dot = dot(s.getReplica(), s.getCounter(), origin);
                requireNew(dot, seen, context);
                V value = values.decode(Wire.bounded(s.getValue(), limits.maxValueBytes(), "metadata value"));
                if (value == null) {
                    throw new CrdtDecodeException("metadata sibling without a value");
                }
                siblings.put(dot, new Timestamped<>(value, Wire.hlc(s.getPhysicalMs(), s.getLogical(), dot.replica())));
            }
            if (metadata.put(key, DotFun.of(siblings)) != null) {
                throw new CrdtDecodeException("document lists a metadata key twice");
            }
        }
        return Document.of(embeddings, DotFun.of(text), DotMap.of(metadata, null), context);
    }

    private static void requireNew(Dot dot, Set<Dot> seen, CausalContext context) throws CrdtDecodeException {
        if (!seen.add(dot)) {
            throw new CrdtDecodeException("document holds dot " + dot + " twice");
        }
        if (!context.contains(dot)) {
            throw new CrdtDecodeException("document holds dot " + dot + " that its context has not seen");
        }
    }

    private static EmbeddingValue embedding(EmbeddingSiblingProto s) throws CrdtDecodeException {
        return EmbeddingRegisterCodec.embedding(s.getModelGeneration(), s.getModelFingerprint(), s.getScale(),
            s.getQuantized());
    }

    // ---------------------------------------------------------------- header

    /** Encodes a collection header (the bottom header too). */
    public static byte[] encodeHeader(CollectionHeader h) {
        CollectionHeaderProto.Builder b = CollectionHeaderProto.newBuilder();
        if (!h.isBottom()) {
            b.setPresent(true)
                .setModelGeneration(h.model().generation())
                .setModelFingerprint(h.model().fingerprint())
                .setModelName(h.modelName())
                .setDimensions(h.dimensions())
                .setCreatedPhysicalMs(h.created().physicalMs())
                .setCreatedLogical(h.created().logical())
                .setCreatedReplica(h.created().replica().value());
        }
        return b.build().toByteArray();
    }

    /** Decodes {@link #encodeHeader}, checking every field. */
    public static CollectionHeader decodeHeader(byte[] bytes, DecodeLimits limits) throws CrdtDecodeException {
        CollectionHeaderProto p = Wire.parse(CollectionHeaderProto.parser(), bytes, limits);
        if (!p.getPresent()) {
            return CollectionHeader.bottom();
        }
        if (p.getModelGeneration() < 0) {
            throw new CrdtDecodeException("model generation over 2^31-1");
        }
        try {
            return CollectionHeader.of(new ModelVersion(p.getModelGeneration(), p.getModelFingerprint()),
                p.getModelName(), p.getDimensions(),
                Wire.hlc(p.getCreatedPhysicalMs(), p.getCreatedLogical(), Wire.replica(p.getCreatedReplica())));
        } catch (IllegalArgumentException e) {
            throw new CrdtDecodeException("collection header: " + e.getMessage());
        }
    }
}
