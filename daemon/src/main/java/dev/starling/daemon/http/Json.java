package dev.starling.daemon.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.node.Value;
import dev.starling.node.ValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON of the HTTP API. Values are stored as canonical JSON text (UTF-8, no insignificant
 * whitespace, object fields sorted by name), so two writes of the same JSON value store the same
 * bytes whatever their spacing or field order.
 */
public final class Json {

    /** Strict: duplicate fields and trailing tokens are errors, as is anything but one JSON value. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build();

    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * A value's bytes read as JSON, decoded once per {@link Value} and cached in it. Values written
     * by embedded programs with another codec are not JSON: they read as
     * {@code {"$bytes":"<base64>"}}.
     */
    public static final ValueType<JsonNode> VALUE = new ValueType<>() {
        @Override
        public JsonNode decode(byte[] bytes) {
            try {
                return MAPPER.readTree(bytes);
            } catch (IOException | RuntimeException e) {
                ObjectNode n = NODES.objectNode();
                n.put("$bytes", Base64.getEncoder().encodeToString(bytes));
                return n;
            }
        }

        @Override
        public byte[] encode(JsonNode value) {
            return canonicalBytes(value);
        }
    };

    private Json() {
    }

    /** Parses a request body: exactly one JSON value; {@link ApiException} 400 otherwise. */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("the body must be a JSON value");
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw ApiException.badRequest("the body must be a JSON value");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
    }

    /** The canonical text of {@code node} as a stored value. */
    public static Value toValue(JsonNode node) {
        return Value.wrap(canonicalBytes(node));
    }

    public static JsonNode fromValue(Value value) {
        return value == null ? NODES.nullNode() : value.as(VALUE);
    }

    static byte[] canonicalBytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(canonical(node)).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy of {@code node} with every object's fields sorted by name. */
    static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            ObjectNode out = NODES.objectNode();
            for (String name : names) {
                out.set(name, canonical(node.get(name)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode(node.size());
            for (JsonNode e : node) {
                out.add(canonical(e));
            }
            return out;
        }
        return node;
    }

    /** Serializes a response body. */
    public static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** Rejects fields of {@code body} other than {@code allowed} (a typo must not pass silently). */
    static void onlyFields(JsonNode body, String... allowed) {
        Iterator<Map.Entry<String, JsonNode>> it = body.fields();
        outer:
        while (it.hasNext()) {
            String f = it.next().getKey();
            for (String a : allowed) {
                if (a.equals(f)) {
                    continue outer;
                }
            }
            throw ApiException.badRequest("unknown field \"" + f + "\" (expected " + String.join(", ", allowed) + ")");
        }
    }
}
