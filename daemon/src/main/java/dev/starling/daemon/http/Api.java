package dev.starling.daemon.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.ChangeFeed;
import dev.starling.node.Node;
import dev.starling.node.RegisterHandle;
import dev.starling.node.Value;
import dev.starling.node.WriteResult;
import dev.starling.node.fault.Faults;
import dev.starling.node.membership.Member;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.ModelMismatchException;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.replication.TypeConflictException;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import dev.starling.daemon.webhook.WebhookConfig;
import dev.starling.daemon.webhook.Webhooks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of the HTTP API (API.md) over one {@link Node}. Reads use the node's lock-free
 * handles on the event loop; writes hand an op to the replica agent and answer when its future
 * completes (on the connection's event loop, never on the agent); change-feed pages and metrics
 * scrapes, which read LMDB or walk registries, run on {@code blocking}; encoding text and searching
 * collections on {@code encoding} ({@link CollectionEndpoints}).
 */
public final class Api implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Api.class);

    public static final long MAX_TIMEOUT_MS = 3_600_000;
    public static final int DEFAULT_CHANGES_LIMIT = 100;
    /** Open {@code /v1/changes/stream} connections a node serves at most; more are a 503. */
    public static final int MAX_STREAMS = 128;

    private final Node node;
    private final Faults faults;
    private final Supplier<String> metrics;
    private final Executor blocking;
    private final Router router = new Router();
    private final AtomicInteger openStreams = new AtomicInteger();
    private final WebhookEndpoints webhookEndpoints = new WebhookEndpoints(() -> this.webhooks);
    private final CollectionEndpoints collectionEndpoints;
    private volatile Webhooks webhooks;

    /**
     * @param faults   the node's faults, exposed at /v1/admin/faults; {@code null} when fault
     *                 injection is off (the path is then a 404)
     * @param metrics  the Prometheus text of /metrics, or {@code null} (404)
     * @param blocking where LMDB reads and metric scrapes run (also encoding and searches)
     */
    public Api(Node node, Faults faults, Supplier<String> metrics, Executor blocking) {
        this(node, faults, metrics, blocking, blocking);
    }

    /**
     * @param encoding where the text of collection upserts and searches is encoded and the index
     *                 searched: a bounded executor whose rejection answers 503
     */
    public Api(Node node, Faults faults, Supplier<String> metrics, Executor blocking, Executor encoding) {
        this.node = node;
        this.collectionEndpoints = new CollectionEndpoints(node, encoding);
        this.faults = faults;
        this.metrics = metrics;
        this.blocking = blocking;
        router.add(HttpMethod.GET, "/v1/health", this::health)
            .add(HttpMethod.GET, "/v1/members", this::members)
            .add(HttpMethod.GET, "/v1/digest", this::digest)
            .add(HttpMethod.GET, "/v1/changes", this::changes)
            .add(HttpMethod.GET, "/v1/changes/stream", this::changeStream)
            .add(HttpMethod.POST, "/v1/webhooks", webhookEndpoints::add)
            .add(HttpMethod.GET, "/v1/webhooks", webhookEndpoints::list)
            .add(HttpMethod.DELETE, "/v1/webhooks/{id*}", webhookEndpoints::remove)
            .add(HttpMethod.GET, "/v1/maps/{map}", this::getMap)
            .add(HttpMethod.GET, "/v1/maps/{map}/{key*}", this::getMapKey)
            .add(HttpMethod.PUT, "/v1/maps/{map}/{key*}", this::putMapKey)
            .add(HttpMethod.DELETE, "/v1/maps/{map}/{key*}", this::deleteMapKey)
            .add(HttpMethod.GET, "/v1/sets/{set}", this::getSet)
            .add(HttpMethod.POST, "/v1/sets/{set}", this::updateSet)
            .add(HttpMethod.GET, "/v1/counters/{name}", this::getCounter)
            .add(HttpMethod.POST, "/v1/counters/{name}", this::addCounter)
            .add(HttpMethod.GET, "/v1/registers/{name}", this::getRegister)
            .add(HttpMethod.PUT, "/v1/registers/{name}", this::putRegister)
            .add(HttpMethod.GET, "/v1/collections/{coll}", collectionEndpoints::getCollection)
            .add(HttpMethod.POST, "/v1/collections/{coll}/search", collectionEndpoints::search)
            .add(HttpMethod.GET, "/v1/collections/{coll}/docs/{id*}", collectionEndpoints::getDoc)
            .add(HttpMethod.PUT, "/v1/collections/{coll}/docs/{id*}", collectionEndpoints::putDoc)
            .add(HttpMethod.DELETE, "/v1/collections/{coll}/docs/{id*}", collectionEndpoints::deleteDoc);
        if (metrics != null) {
            router.add(HttpMethod.GET, "/metrics", this::metrics);
        }
        if (faults != null) {
            router.add(HttpMethod.POST, "/v1/admin/faults", this::setFaults)
                .add(HttpMethod.DELETE, "/v1/admin/faults", this::clearFaults);
        }
    }

    /**
     * Starts the background work of the API: webhook delivery (from {@code webhooks.json} in the
     * node's data directory). {@link HttpServer} calls it once it listens.
     */
    void start() throws IOException {
        if (webhooks == null) {
            webhooks = Webhooks.start(node.changes(), node.config().dataDir(), WebhookConfig.defaults(), node.name());
        }
    }

    /** Stops webhook delivery, saving positions. {@link HttpServer#close()} calls it after the connections are closed. */
    @Override
    public void close() {
        Webhooks w = webhooks;
        webhooks = null;
        if (w != null) {
            w.close();
        }
    }

    /** Whether {@code rawPath} is open without the API token. */
    public static boolean isPublic(String rawPath) {
        return "/v1/health".equals(rawPath) || "/metrics".equals(rawPath);
    }

    Router.Match route(HttpMethod method, String rawPath, Map<String, List<String>> query, byte[] body,
                       Executor executor, HttpHeaders headers) {
        return router.route(method, rawPath, query, body, executor, headers);
    }

    // ---------------------------------------------------------------- node

    private CompletableFuture<Reply> health(Request r) {
        ObjectNode b = Json.object();
        b.put("status", "ok");
        b.put("replica", node.replicaId().toString());
        b.put("name", node.name());
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> members(Request r) {
        ReplicaId self = node.replicaId();
        ObjectNode b = Json.object();
        ArrayNode list = Json.array();
        for (Member m : node.members()) {
            ObjectNode mj = member(m);
            if (m.replicaId().equals(self)) {
                b.set("self", mj);
            }
            list.add(mj);
        }
        b.set("members", list);
        return done(Reply.ok(b));
    }

    private static ObjectNode member(Member m) {
        ObjectNode o = Json.object();
        o.put("replica", m.replicaId().toString());
        o.put("name", m.name());
        o.put("gossip", m.gossipAddress());
        o.put("data", hostPort(m.dataAddress()));
        o.put("status", m.status().apiName());
        return o;
    }

    public static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private CompletableFuture<Reply> digest(Request r) {
        ObjectNode b = Json.object();
        b.put("root", node.digest());
        b.put("objects", node.digestEntries());
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> changes(Request r) {
        long since = parseLong(r.query("since"), "since", 0, 0, Long.MAX_VALUE);
        int limit = (int) parseLong(r.query("limit"), "limit", DEFAULT_CHANGES_LIMIT, 1, ChangeFeed.MAX_PAGE);
        return CompletableFuture.supplyAsync(() -> {
            List<ChangeFeed.Entry> page = node.changes().read(since, limit);
            ObjectNode b = Json.object();
            ArrayNode list = b.putArray("changes");
            long next = since;
            for (ChangeFeed.Entry e : page) {
                list.add(change(e));
                next = e.cursor();
            }
            b.put("next", Long.toString(next));
            return Reply.ok(b);
        }, blocking);
    }

    /**
     * Server-Sent Events from the cursor in {@code Last-Event-ID} (a reconnecting EventSource sends
     * it), else {@code since}, else the newest change (only what comes next).
     */
    private CompletableFuture<Reply> changeStream(Request r) {
        String lastEventId = r.header("Last-Event-ID");
        long since;
        if (lastEventId != null && !lastEventId.isBlank()) {
            since = parseLong(lastEventId.trim(), "Last-Event-ID", 0, 0, Long.MAX_VALUE);
        } else {
            since = parseLong(r.query("since"), "since", -1, 0, Long.MAX_VALUE);
            if (since < 0) {
                since = node.changes().lastCursor();
            }
        }
        if (openStreams.get() >= MAX_STREAMS) {
            throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable",
                "this node serves " + MAX_STREAMS + " change streams already");
        }
        long from = since;
        return done(Reply.stream(ctx -> new ChangeStream(node.changes(), blocking, from, openStreams).start(ctx)));
    }

    /** One change as /v1/changes shows it (webhooks and the stream use the same shape). */
    public static ObjectNode change(ChangeFeed.Entry e) {
        ObjectNode o = Json.object();
        o.put("cursor", Long.toString(e.cursor()));
        o.put("object", e.object().name());
        o.put("type", e.type());
        if (e.key() != null) {
            o.put("key", e.key());
        }
        o.put("op", e.op().wireName());
        o.put("origin", e.origin().toString());
        if (e.hlc() != null) {
            o.put("hlc", e.hlc().toString());
        }
        return o;
    }

    private CompletableFuture<Reply> metrics(Request r) {
        return CompletableFuture.supplyAsync(() -> Reply.text(HttpResponseStatus.OK, metrics.get(),
            "text/plain; version=0.0.4; charset=utf-8"), blocking);
    }

    // ---------------------------------------------------------------- maps

    private CompletableFuture<Reply> getMap(Request r) {
        String name = r.param("map");
        expectKind(name, ObjectKind.MAP, "map");
        ObjectNode b = Json.object();
        b.put("name", name);
        ObjectNode entries = b.putObject("entries");
        for (Map.Entry<String, Value> e : new TreeMap<>(node.map(name).toMap()).entrySet()) {
            entries.set(e.getKey(), Json.fromValue(e.getValue()));
        }
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> getMapKey(Request r) {
        String name = r.param("map");
        String key = r.param("key");
        expectKind(name, ObjectKind.MAP, "map");
        LwwRegister<Value> entry = node.map(name).entry(key);
        if (entry == null || entry.value() == null) {
            throw ApiException.notFound("map \"" + name + "\" has no key \"" + Router.abbreviate(key) + "\"");
        }
        ObjectNode b = Json.object();
        b.put("key", key);
        b.set("value", Json.fromValue(entry.value()));
        b.put("hlc", entry.hlc().toString());
        b.put("replica", entry.hlc().replica().toString());
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> putMapKey(Request r) {
        Value value = Json.toValue(Json.parse(r.body()));
        WriteOptions w = writeOptions(r);
        return reply(r, node.map(r.param("map")).put(r.param("key"), value, w.ack, w.timeout));
    }

    private CompletableFuture<Reply> deleteMapKey(Request r) {
        WriteOptions w = writeOptions(r);
        return reply(r, node.map(r.param("map")).remove(r.param("key"), w.ack, w.timeout));
    }

    // ---------------------------------------------------------------- sets

    private CompletableFuture<Reply> getSet(Request r) {
        String name = r.param("set");
        expectKind(name, ObjectKind.SET, "set");
        ObjectNode b = Json.object();
        b.put("name", name);
        ArrayNode elements = b.putArray("elements");
        for (String e : node.set(name).elements()) {
            elements.add(e);
        }
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> updateSet(Request r) {
        JsonNode body = Json.parse(r.body());
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be an object {\"add\":[strings],\"remove\":[strings]}");
        }
        Json.onlyFields(body, "add", "remove");
        List<String> add = strings(body, "add");
        List<String> remove = strings(body, "remove");
        if (add.isEmpty() && remove.isEmpty()) {
            throw ApiException.badRequest("add or remove must name at least one element");
        }
        WriteOptions w = writeOptions(r);
        return reply(r, node.set(r.param("set")).update(add, remove, w.ack, w.timeout));
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw ApiException.badRequest("\"" + field + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw ApiException.badRequest("\"" + field + "\" must be an array of strings");
            }
            String s = e.textValue();
            Router.checkKey(s);
            out.add(s);
        }
        return out;
    }

    // ---------------------------------------------------------------- counters

    private CompletableFuture<Reply> getCounter(Request r) {
        String name = r.param("name");
        expectKind(name, ObjectKind.COUNTER, "counter");
        ObjectNode b = Json.object();
        b.put("name", name);
        b.put("value", node.counter(name).value());
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> addCounter(Request r) {
        JsonNode body = Json.parse(r.body());
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be an object {\"delta\": integer}");
        }
        Json.onlyFields(body, "delta");
        JsonNode delta = body.get("delta");
        if (delta == null || !delta.isIntegralNumber() || !delta.canConvertToLong()) {
            throw ApiException.badRequest("\"delta\" must be an integer between -2^63 and 2^63-1");
        }
        WriteOptions w = writeOptions(r);
        return reply(r, node.counter(r.param("name")).add(delta.longValue(), w.ack, w.timeout));
    }

    // ---------------------------------------------------------------- registers

    private CompletableFuture<Reply> getRegister(Request r) {
        String name = r.param("name");
        ObjectKind kind = registerKindOf(name);
        if (kind == null) {
            throw ApiException.notFound("no register named \"" + name + "\"");
        }
        if (!kind.isRegister()) {
            throw ApiException.typeConflict("\"" + name + "\" is a " + ChangeFeed.typeName(kind) + ", not a register");
        }
        RegisterHandle h = node.register(name, kind);
        MvRegister<Value> reg = h.register();
        List<MvRegister.Sibling<Value>> siblings = reg == null ? List.of() : reg.siblings();
        ObjectNode b = Json.object();
        b.put("name", name);
        b.put("resolver", resolverName(kind));
        b.set("value", Resolve.read(kind, siblings));
        ArrayNode list = b.putArray("siblings");
        for (MvRegister.Sibling<Value> s : siblings) {
            list.add(Json.fromValue(s.value()));
        }
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> putRegister(Request r) {
        String resolver = r.query("resolver") == null ? "lww" : r.query("resolver");
        ObjectKind kind = switch (resolver) {
            case "lww" -> ObjectKind.REGISTER_LWW;
            case "average" -> ObjectKind.REGISTER_AVERAGE;
            case "union" -> ObjectKind.REGISTER_UNION;
            case "siblings" -> ObjectKind.REGISTER_SIBLINGS;
            default -> throw ApiException.badRequest("resolver must be lww, average, union or siblings: " + resolver);
        };
        JsonNode body = Json.parse(r.body());
        Resolve.check(kind, body);
        WriteOptions w = writeOptions(r);
        return reply(r, node.register(r.param("name"), kind).write(Json.toValue(body), w.ack, w.timeout));
    }

    /** The register kind {@code name} holds, else whatever other kind it holds, else null. */
    private ObjectKind registerKindOf(String name) {
        for (ObjectKind k : ObjectKind.values()) {
            if (k.isRegister() && node.holds(name, k)) {
                return k;
            }
        }
        return node.kindOf(name);
    }

    static String resolverName(ObjectKind kind) {
        return switch (kind) {
            case REGISTER_AVERAGE -> "average";
            case REGISTER_UNION -> "union";
            case REGISTER_SIBLINGS -> "siblings";
            default -> "lww";
        };
    }

    // ---------------------------------------------------------------- faults

    private CompletableFuture<Reply> setFaults(Request r) {
        JsonNode body = Json.parse(r.body());
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be an object {\"isolate\":[ids],\"dropRate\":r,\"delayMs\":n}");
        }
        Json.onlyFields(body, "isolate", "dropRate", "delayMs");
        Set<ReplicaId> isolate = new HashSet<>();
        for (String id : strings(body, "isolate")) {
            try {
                isolate.add(ReplicaId.parse(id));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        JsonNode drop = body.path("dropRate");
        JsonNode delay = body.path("delayMs");
        double dropRate = drop.isMissingNode() ? 0.0 : drop.isNumber() ? drop.doubleValue() : -1;
        if (!(dropRate >= 0 && dropRate <= 1)) {
            throw ApiException.badRequest("dropRate must be a number in [0, 1]");
        }
        long delayMs = delay.isMissingNode() ? 0 : delay.isIntegralNumber() && delay.canConvertToLong() ? delay.longValue() : -1;
        if (delayMs < 0 || delayMs > 60_000) {
            throw ApiException.badRequest("delayMs must be an integer in [0, 60000]");
        }
        faults.clear();
        if (!isolate.isEmpty()) {
            faults.isolate(isolate);
        }
        faults.dropRate(dropRate).delayMs(delayMs);
        LOG.warn("faults injected: {}", faults);
        ObjectNode b = Json.object();
        b.put("faults", faults.toString());
        return done(Reply.ok(b));
    }

    private CompletableFuture<Reply> clearFaults(Request r) {
        faults.clear();
        LOG.warn("faults cleared");
        return done(Reply.noContent());
    }

    // ---------------------------------------------------------------- helpers

    /** 404 if this node never saw {@code name}; 409 if it holds another kind. */
    private void expectKind(String name, ObjectKind expected, String what) {
        expectKind(node, name, expected, what);
    }

    /** 404 if {@code node} never saw {@code name}; 409 if it holds another kind. */
    static void expectKind(Node node, String name, ObjectKind expected, String what) {
        if (node.holds(name, expected)) {
            return;
        }
        ObjectKind kind = node.kindOf(name);
        if (kind == null) {
            throw ApiException.notFound("no " + what + " named \"" + name + "\"");
        }
        if (kind != expected) {
            throw ApiException.typeConflict("\"" + name + "\" is a " + ChangeFeed.typeName(kind) + ", not a " + what);
        }
    }

    record WriteOptions(AckLevel ack, Duration timeout) {
    }

    static WriteOptions writeOptions(Request r) {
        String ack = r.query("ack");
        AckLevel level;
        if (ack == null) {
            level = AckLevel.LOCAL;
        } else if (ack.matches("local|all|[0-9]{1,4}")) {
            level = AckLevel.parse(ack);
        } else {
            throw ApiException.badRequest("ack must be local, all or a number of peers (0..9999): " + Router.abbreviate(ack));
        }
        long timeoutMs = parseLong(r.query("timeout_ms"), "timeout_ms", Node.DEFAULT_WRITE_TIMEOUT.toMillis(), 0, MAX_TIMEOUT_MS);
        return new WriteOptions(level, Duration.ofMillis(timeoutMs));
    }

    static long parseLong(String s, String name, long dflt, long min, long max) {
        if (s == null) {
            return dflt;
        }
        long v;
        try {
            v = s.matches("[0-9]{1,19}") ? Long.parseLong(s) : -1;
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < min || v > max) {
            throw ApiException.badRequest(name + " must be an integer in [" + min + ", " + max + "]: "
                + Router.abbreviate(s));
        }
        return v;
    }

    /** A write's reply: 200 when its ack level was met, 202 when not, {@code {"hlc","acked"}} either way. */
    static CompletableFuture<Reply> reply(Request r, CompletableFuture<WriteResult> write) {
        return write.handleAsync((res, err) -> {
            if (err != null) {
                return failure(err);
            }
            ObjectNode b = Json.object();
            b.put("hlc", res.hlc().toString());
            b.put("acked", res.acked());
            return Reply.json(res.confirmed() ? HttpResponseStatus.OK : HttpResponseStatus.ACCEPTED, b);
        }, r.executor());
    }

    /** The reply for an endpoint's failure. */
    static Reply failure(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ApiException e) {
            return Reply.error(e);
        }
        if (t instanceof TypeConflictException) {
            return Reply.error(HttpResponseStatus.CONFLICT, "type_conflict", t.getMessage());
        }
        if (t instanceof ModelMismatchException) {
            return Reply.error(HttpResponseStatus.CONFLICT, "model_conflict", t.getMessage());
        }
        if (t instanceof IllegalArgumentException) {
            return Reply.error(HttpResponseStatus.BAD_REQUEST, "bad_request", t.getMessage());
        }
        if (t instanceof RejectedExecutionException || t instanceof IllegalStateException) {
            return Reply.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", t.getMessage());
        }
        LOG.error("request failed", t);
        return Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", String.valueOf(t));
    }

    static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
