package dev.starling.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.store.SyncPolicy;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the collection endpoints run their slow work, against an in-process node without an encoder:
 * searches go to the encoding executor (never the caller's thread), a full executor is a 503 that
 * stores nothing, text is a 400 without an encoder.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CollectionEndpointsTest {

    @TempDir
    Path tmp;

    private Node node;
    private ExecutorService blocking;

    @BeforeEach
    void start() {
        node = Node.start(NodeConfig.builder().name("coll").dataDir(tmp.resolve("data")).cluster("coll-test")
            .secret("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8))
            .gossipPort(0).dataPort(0).sync(SyncPolicy.NONE).profile(NodeConfig.Profile.LOCAL).build());
        blocking = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() {
        blocking.shutdownNow();
        if (node != null) {
            node.close();
        }
    }

    private static Reply call(Api api, HttpMethod method, String path, String body) throws Exception {
        try {
            Router.Match m = api.route(method, path, Map.of(), body == null ? new byte[0]
                : body.getBytes(StandardCharsets.UTF_8), Runnable::run, EmptyHttpHeaders.INSTANCE);
            return m.endpoint().handle(m.request()).handle((r, t) -> t == null ? r : Api.failure(t))
                .get(10, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            return Api.failure(e);
        }
    }

    private static JsonNode json(Reply r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void shouldSearchOnTheEncodingExecutorAndAnswer503WhenItIsFull() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        ExecutorService encoding = Executors.newSingleThreadExecutor();
        try {
            Executor counting = task -> {
                ran.incrementAndGet();
                encoding.execute(task);
            };
            Api api = new Api(node, null, null, blocking, counting);
            Reply put = call(api, HttpMethod.PUT, "/v1/collections/c/docs/d", "{\"vector\":[1,0,0],\"text\":\"t\"}");
            assertThat(put.status().code()).isEqualTo(200);
            assertThat(ran.get()).as("an upsert by vector needs no encoding").isZero();
            Reply search = call(api, HttpMethod.POST, "/v1/collections/c/search", "{\"vector\":[1,0.1,0],\"k\":1}");
            assertThat(search.status().code()).isEqualTo(200);
            assertThat(ran.get()).isEqualTo(1);

            Api full = new Api(node, null, null, blocking, task -> {
                throw new RejectedExecutionException("full");
            });
            Reply busy = call(full, HttpMethod.POST, "/v1/collections/c/search", "{\"vector\":[1,0,0]}");
            assertThat(busy.status().code()).isEqualTo(503);
            assertThat(json(busy).path("error").path("code").asText()).isEqualTo("unavailable");
        } finally {
            encoding.shutdownNow();
        }
    }

    @Test
    void shouldRefuseTextWithoutAnEncoderAndStoreNothing() throws Exception {
        Api api = new Api(node, null, null, blocking, task -> {
            throw new AssertionError("nothing may be encoded");
        });
        String root = node.digest();
        for (String[] req : List.of(new String[] {"PUT", "/v1/collections/t/docs/d", "{\"text\":\"hello\"}"},
                new String[] {"PUT", "/v1/collections/t/docs/d", "{\"text\":\"hello\",\"vector\":[]}"})) {
            Reply r = call(api, HttpMethod.valueOf(req[0]), req[1], req[2]);
            assertThat(r.status().code()).isEqualTo(400);
            assertThat(json(r).path("error").path("code").asText()).isEqualTo("bad_request");
        }
        assertThat(json(call(api, HttpMethod.PUT, "/v1/collections/t/docs/d", "{\"text\":\"hello\"}"))
            .path("error").path("message").asText()).contains("without an encoder");
        assertThat(node.digest()).isEqualTo(root);
        assertThat(node.kindOf("t")).isNull();
    }
}
