package dev.starling.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * A response: status, body bytes and their content type; or, with {@code stream} set, a response
 * that takes the connection over (Server-Sent Events) instead of writing a body.
 */
public record Reply(HttpResponseStatus status, byte[] body, String contentType, Stream stream) {

    /** Takes a connection over once its request is routed: writes the response head and what follows. */
    @FunctionalInterface
    public interface Stream {
        /** Called on the connection's event loop; no other request of the connection is handled after it. */
        void start(ChannelHandlerContext ctx);
    }

    public Reply(HttpResponseStatus status, byte[] body, String contentType) {
        this(status, body, contentType, null);
    }

    public static Reply stream(Stream stream) {
        return new Reply(HttpResponseStatus.OK, new byte[0], null, stream);
    }

    public static final String JSON = "application/json; charset=utf-8";

    public static Reply json(HttpResponseStatus status, JsonNode body) {
        return new Reply(status, Json.write(body), JSON);
    }

    public static Reply ok(JsonNode body) {
        return json(HttpResponseStatus.OK, body);
    }

    public static Reply text(HttpResponseStatus status, String body, String contentType) {
        return new Reply(status, body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    public static Reply noContent() {
        return new Reply(HttpResponseStatus.NO_CONTENT, new byte[0], null);
    }

    /** The API's error body {@code {"error":{"code","message"}}}. */
    public static Reply error(HttpResponseStatus status, String code, String message) {
        ObjectNode body = Json.object();
        ObjectNode e = body.putObject("error");
        e.put("code", code);
        e.put("message", message == null ? code : message);
        return json(status, body);
    }

    public static Reply error(ApiException e) {
        return error(e.status(), e.code(), e.getMessage());
    }
}
