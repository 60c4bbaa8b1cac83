package dev.starling.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Document;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.ModelVersion;
import dev.starling.index.SearchHit;
import dev.starling.index.encoder.ModelId;
import dev.starling.index.encoder.TextEncoder;
import dev.starling.node.CollectionHandle;
import dev.starling.node.Node;
import dev.starling.node.Value;
import dev.starling.node.replication.ObjectKind;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The collection endpoints of API.md: documents upserted by text (encoded on this node) or by vector,
 * read, deleted and searched by text or vector, and a collection's summary.
 *
 * <p>Every check that needs no encoder runs on the event loop before anything is queued, so a bad
 * request is answered at once and stores nothing. Encoding and searching run on {@code encoding}, a
 * bounded executor: when it is full the request is a 503 (never queued without bound, never run on
 * the event loop). The write itself then goes to the replica agent like any other write.
 */
final class CollectionEndpoints {

    /** Most results a search returns. */
    static final int MAX_K = 1000;
    static final int DEFAULT_K = 10;

    private static final String UPSERT_SHAPE =
        "the body must be an object {\"text\",\"metadata\"?} or {\"vector\",\"model\"?,\"text\"?,\"metadata\"?}";
    private static final String SEARCH_SHAPE = "the body must be an object {\"text\"} or {\"vector\"}, with \"k\"?";

    private final Node node;
    private final Executor encoding;

    /** @param encoding where text is encoded and the index searched (bounded; rejection is a 503) */
    CollectionEndpoints(Node node, Executor encoding) {
        this.node = node;
        this.encoding = encoding;
    }

    // ---------------------------------------------------------------- documents

    CompletableFuture<Reply> putDoc(Request r) {
        String name = r.param("coll");
        String id = r.param("id");
        JsonNode body = Json.parse(r.body());
        if (!body.isObject()) {
            throw ApiException.badRequest(UPSERT_SHAPE);
        }
        Json.onlyFields(body, "text", "vector", "model", "metadata");
        JsonNode vectorNode = body.get("vector");
        boolean byVector = vectorNode != null && !vectorNode.isNull();
        String text = text(body.get("text"), byVector);
        Map<String, Value> metadata = metadata(body.get("metadata"));
        Api.WriteOptions w = Api.writeOptions(r);
        expectCollectionOrNew(name);
        CollectionHandle c = node.collection(name);
        if (byVector) {
            float[] vector = vector(vectorNode);
            String model = model(body.get("model"));
            return Api.reply(r, c.upsertVector(id, vector, model, text, metadata, w.ack(), w.timeout()));
        }
        if (body.has("model")) {
            throw ApiException.badRequest("\"model\" names the model of a \"vector\"; a text is encoded with this "
                + "node's model");
        }
        requireEncoderOf(c);
        return Api.reply(r, offload(() -> c.upsertText(id, text, metadata, w.ack(), w.timeout()))
            .thenCompose(f -> f));
    }

    CompletableFuture<Reply> getDoc(Request r) {
        String name = r.param("coll");
        String id = r.param("id");
        Api.expectKind(node, name, ObjectKind.COLLECTION, "collection");
        CollectionHandle c = node.collection(name);
        Document<Value> doc = c.get(id);
        if (doc == null || !doc.isLive()) {
            throw ApiException.notFound("collection \"" + name + "\" has no document \"" + Router.abbreviate(id) + "\"");
        }
        CollectionHeader header = c.header();
        ObjectNode b = Json.object();
        b.put("id", id);
        b.put("text", doc.text());
        ObjectNode meta = b.putObject("metadata");
        for (Map.Entry<String, Value> e : doc.metadata().entrySet()) {
            meta.set(e.getKey(), Json.fromValue(e.getValue()));
        }
        b.put("model", modelName(header, doc.model()));
        ArrayNode vector = b.putArray("vector");
        float[] v = doc.vector();
        if (v != null) {
            for (float x : v) {
                vector.add(x);
            }
        }
        ArrayNode siblings = b.putArray("siblings");
        for (EmbeddingValue e : doc.embeddings()) {
            ObjectNode s = siblings.addObject();
            s.put("model", modelName(header, e.model()));
            s.put("dims", e.dimensions());
        }
        return Api.done(Reply.ok(b));
    }

    CompletableFuture<Reply> deleteDoc(Request r) {
        String name = r.param("coll");
        Api.WriteOptions w = Api.writeOptions(r);
        expectCollectionOrNew(name);
        return Api.reply(r, node.collection(name).delete(r.param("id"), w.ack(), w.timeout()));
    }

    // ---------------------------------------------------------------- search and summary

    CompletableFuture<Reply> search(Request r) {
        String name = r.param("coll");
        JsonNode body = Json.parse(r.body());
        if (!body.isObject()) {
            throw ApiException.badRequest(SEARCH_SHAPE);
        }
        Json.onlyFields(body, "text", "vector", "k");
        int k = k(body.get("k"));
        JsonNode vectorNode = body.get("vector");
        JsonNode textNode = body.get("text");
        boolean byVector = vectorNode != null && !vectorNode.isNull();
        boolean byText = textNode != null && !textNode.isNull();
        if (byVector == byText) {
            throw ApiException.badRequest("give exactly one of \"text\" and \"vector\"");
        }
        float[] vector = byVector ? vector(vectorNode) : null;
        String text = byText ? text(textNode, false) : null;
        Api.expectKind(node, name, ObjectKind.COLLECTION, "collection");
        CollectionHandle c = node.collection(name);
        if (byText) {
            requireEncoderOf(c);
        }
        return offload(() -> {
            List<SearchHit> hits = byVector ? c.search(vector, k) : c.search(text, k);
            ObjectNode b = Json.object();
            ArrayNode results = b.putArray("results");
            for (SearchHit h : hits) {
                Document<Value> doc = c.get(h.id());
                if (doc == null || !doc.isLive()) {
                    continue; // deleted since the index last caught up
                }
                ObjectNode o = results.addObject();
                o.put("id", h.id());
                o.put("score", h.score());
                o.put("text", doc.text());
            }
            return Reply.ok(b);
        });
    }

    CompletableFuture<Reply> getCollection(Request r) {
        String name = r.param("coll");
        Api.expectKind(node, name, ObjectKind.COLLECTION, "collection");
        CollectionHandle c = node.collection(name);
        ObjectNode b = Json.object();
        b.put("name", name);
        b.put("count", c.size());
        b.put("dims", c.dimensions());
        b.put("model", c.model());
        b.put("indexed", c.indexed());
        return Api.done(Reply.ok(b));
    }

    // ---------------------------------------------------------------- checks

    /** Runs {@code work} on the encoding executor; a full executor fails the future (503). */
    private <T> CompletableFuture<T> offload(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, encoding);
    }

    /** 409 if {@code name} holds another kind; a name never seen becomes a collection by the write. */
    private void expectCollectionOrNew(String name) {
        ObjectKind kind = node.kindOf(name);
        if (kind != null && !node.holds(name, ObjectKind.COLLECTION)) {
            throw ApiException.typeConflict("\"" + name + "\" is a " + dev.starling.node.ChangeFeed.typeName(kind)
                + ", not a collection");
        }
    }

    /**
     * 400 if this node has no encoder; 409 {@code model_conflict} if its model is not the collection's
     * (the replica agent checks an upsert again, this spares the encoding and keeps a text search
     * from comparing vectors of two models).
     */
    private void requireEncoderOf(CollectionHandle c) {
        TextEncoder encoder = node.config().encoder();
        if (encoder == null) {
            throw ApiException.badRequest("this node runs without an encoder (--no-encoder): give a \"vector\", "
                + "not text to encode");
        }
        String collectionModel = c.model();
        String mine = encoder.modelId().toString();
        // the version (a hash of the model's files) is the model's identity; the name is a label
        // (a --model directory's name), as the replicator sees it
        if (collectionModel != null && c.header().model().fingerprint() != encoder.modelId().fingerprint()) {
            throw new ApiException(HttpResponseStatus.CONFLICT, "model_conflict", "collection \"" + c.name()
                + "\" holds vectors of model " + collectionModel + ", this node encodes text with " + mine
                + " (give vectors with \"model\" to move the collection to another model)");
        }
    }

    /**
     * The text of an upsert or search: required unless a vector is given (it is then stored, not
     * encoded), never blank, at most {@link CollectionHandle#MAX_TEXT_BYTES}.
     */
    private static String text(JsonNode n, boolean optional) {
        if (n == null || n.isNull()) {
            if (optional) {
                return null;
            }
            throw ApiException.badRequest("give \"text\" (encoded by this node) or \"vector\"");
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("\"text\" must be a string");
        }
        String t = n.textValue();
        if (t.isBlank()) {
            throw ApiException.badRequest("\"text\" must not be empty or blank");
        }
        if (t.length() > CollectionHandle.MAX_TEXT_BYTES
                || t.getBytes(StandardCharsets.UTF_8).length > CollectionHandle.MAX_TEXT_BYTES) {
            throw ApiException.badRequest("\"text\" is over " + CollectionHandle.MAX_TEXT_BYTES + " UTF-8 bytes");
        }
        return t;
    }

    /** An array of 1..4096 finite numbers, not all zero. */
    private static float[] vector(JsonNode n) {
        if (!n.isArray() || n.isEmpty()) {
            throw ApiException.badRequest("\"vector\" must be a non-empty array of numbers");
        }
        if (n.size() > EmbeddingValue.MAX_DIMENSIONS) {
            throw ApiException.badRequest("\"vector\" has at most " + EmbeddingValue.MAX_DIMENSIONS
                + " components: " + n.size());
        }
        float[] v = new float[n.size()];
        boolean nonZero = false;
        for (int i = 0; i < v.length; i++) {
            JsonNode e = n.get(i);
            if (!e.isNumber()) {
                throw ApiException.badRequest("\"vector\" component " + i + " is not a number");
            }
            float f = e.floatValue();
            if (!Float.isFinite(f)) {
                throw ApiException.badRequest("\"vector\" component " + i + " is not a finite 32-bit float: "
                    + Router.abbreviate(e.asText()));
            }
            nonZero |= f != 0;
            v[i] = f;
        }
        if (!nonZero) {
            throw ApiException.badRequest("\"vector\" is all zeros (it has no direction)");
        }
        return v;
    }

    /** {@code name@version} checked, or null for the collection's model. */
    private static String model(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("\"model\" must be a string name@<16 hex digits>");
        }
        try {
            ModelId.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        return n.textValue();
    }

    /** An object of JSON values, keys as map keys, at most {@link CollectionHandle#MAX_METADATA_KEYS}. */
    private static Map<String, Value> metadata(JsonNode n) {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw ApiException.badRequest("\"metadata\" must be an object");
        }
        if (n.size() > CollectionHandle.MAX_METADATA_KEYS) {
            throw ApiException.badRequest("\"metadata\" has more than " + CollectionHandle.MAX_METADATA_KEYS
                + " keys: " + n.size());
        }
        Map<String, Value> out = new LinkedHashMap<>();
        long bytes = 0;
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Router.checkKey(e.getKey());
            Value v = Json.toValue(e.getValue());
            bytes += v.length();
            out.put(e.getKey(), v);
        }
        if (bytes > CollectionHandle.MAX_METADATA_BYTES) {
            throw ApiException.badRequest("\"metadata\" values are over " + CollectionHandle.MAX_METADATA_BYTES
                + " bytes together");
        }
        return out;
    }

    private static int k(JsonNode n) {
        if (n == null || n.isNull()) {
            return DEFAULT_K;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > MAX_K) {
            throw ApiException.badRequest("\"k\" must be an integer in [1, " + MAX_K + "]");
        }
        return n.intValue();
    }

    /**
     * A document's or sibling's model as {@code name@version}: the name is the collection's when the
     * fingerprint is its model's; an older model's name is not kept, so it reads {@code ?@version}.
     */
    private static String modelName(CollectionHeader header, ModelVersion model) {
        if (model == null) {
            return null;
        }
        String version = String.format("%016x", model.fingerprint());
        String name = !header.isBottom() && header.model().fingerprint() == model.fingerprint()
            ? header.modelName() : "?";
        return name + "@" + version;
    }
}
