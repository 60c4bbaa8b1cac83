package dev.starling.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.daemon.webhook.Webhook;
import dev.starling.daemon.webhook.WebhookConfig;
import dev.starling.daemon.webhook.Webhooks;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code POST /v1/webhooks}, {@code GET /v1/webhooks}, {@code DELETE /v1/webhooks/{id}}: the
 * request checks here, the registry and delivery in {@link Webhooks}.
 */
final class WebhookEndpoints {

    private static final String PREFIX_CHARS = "[A-Za-z0-9._-]{0,128}";

    private final Supplier<Webhooks> webhooks;

    /** @param webhooks the node's webhooks, null until the server has started them */
    WebhookEndpoints(Supplier<Webhooks> webhooks) {
        this.webhooks = webhooks;
    }

    private Webhooks webhooks() {
        Webhooks w = webhooks.get();
        if (w == null) {
            throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", "webhooks are not running");
        }
        return w;
    }

    CompletableFuture<Reply> add(Request r) {
        JsonNode body = Json.parse(r.body());
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be an object {\"url\",\"secret\",\"prefix\"?,\"since\"?}");
        }
        Json.onlyFields(body, "url", "secret", "prefix", "since");
        URI url = url(body.get("url"));
        JsonNode secretNode = body.get("secret");
        if (secretNode == null || !secretNode.isTextual() || secretNode.textValue().isEmpty()
                || secretNode.textValue().getBytes(StandardCharsets.UTF_8).length > WebhookConfig.MAX_SECRET_BYTES) {
            throw ApiException.badRequest("\"secret\" must be a non-empty string of at most "
                + WebhookConfig.MAX_SECRET_BYTES + " UTF-8 bytes");
        }
        String prefix = "";
        JsonNode p = body.get("prefix");
        if (p != null && !p.isNull()) {
            if (!p.isTextual() || !p.textValue().matches(PREFIX_CHARS)) {
                throw ApiException.badRequest("\"prefix\" must be the start of an object name: [A-Za-z0-9._-]{0,128}");
            }
            prefix = p.textValue();
        }
        Long since = null;
        JsonNode s = body.get("since");
        if (s != null && !s.isNull()) {
            String text = s.isIntegralNumber() ? s.asText() : s.isTextual() ? s.textValue() : "";
            if (!text.matches("[0-9]{1,19}")) {
                throw ApiException.badRequest("\"since\" must be a cursor (a string of digits, as /v1/changes returns)");
            }
            try {
                since = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("\"since\" is out of range: " + text);
            }
        }
        return webhooks().add(url, secretNode.textValue(), prefix, since).thenApply(id -> {
            ObjectNode b = Json.object();
            b.put("id", id);
            return Reply.json(HttpResponseStatus.CREATED, b);
        });
    }

    private static URI url(JsonNode n) {
        if (n == null || !n.isTextual() || n.textValue().length() > WebhookConfig.MAX_URL_CHARS) {
            throw ApiException.badRequest("\"url\" must be an http or https URL of at most "
                + WebhookConfig.MAX_URL_CHARS + " characters");
        }
        URI u;
        try {
            u = new URI(n.textValue());
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("\"url\" is not a URL: " + e.getMessage());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getFragment() != null) {
            throw ApiException.badRequest("\"url\" must be an absolute http or https URL with a host and no fragment: "
                + Router.abbreviate(n.textValue()));
        }
        return u;
    }

    CompletableFuture<Reply> list(Request r) {
        return webhooks().list().thenApply(list -> {
            ObjectNode b = Json.object();
            ArrayNode arr = b.putArray("webhooks");
            for (Webhook w : list) {
                ObjectNode o = arr.addObject();
                o.put("id", w.id());
                o.put("url", w.url().toString());
                o.put("prefix", w.prefix());
                o.put("position", Long.toString(w.position()));
            }
            return Reply.ok(b);
        });
    }

    CompletableFuture<Reply> remove(Request r) {
        String id = r.param("id");
        return webhooks().remove(id).thenApply(found -> {
            if (!found) {
                throw ApiException.notFound("no webhook with id \"" + Router.abbreviate(id) + "\"");
            }
            return Reply.noContent();
        });
    }
}
