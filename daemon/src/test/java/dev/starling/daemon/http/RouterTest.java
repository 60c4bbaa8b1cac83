package dev.starling.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.starling.crdt.Dot;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.Value;
import dev.starling.node.replication.ObjectKind;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RouterTest {

    private final Router router = new Router()
        .add(HttpMethod.GET, "/v1/maps/{map}", r -> CompletableFuture.completedFuture(null))
        .add(HttpMethod.GET, "/v1/maps/{map}/{key*}", r -> CompletableFuture.completedFuture(null));

    private Request route(HttpMethod method, String path) {
        return router.route(method, path, Map.of(), new byte[0], Runnable::run).request();
    }

    private static int status(Runnable r) {
        try {
            r.run();
            return 200;
        } catch (ApiException e) {
            return e.status().code();
        }
    }

    @Test
    void shouldDecodeKeysStrictlyAndKeepPlusSigns() {
        Request r = route(HttpMethod.GET, "/v1/maps/cfg/a%2Fb+c%20%C3%BC/d");
        assertThat(r.route()).isEqualTo("/v1/maps/{map}/{key*}");
        assertThat(r.param("map")).isEqualTo("cfg");
        assertThat(r.param("key")).isEqualTo("a/b+c \u00fc/d");
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/cfg/%zz"))).isEqualTo(400);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/cfg/%C3"))).isEqualTo(400);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/cfg/ab%"))).isEqualTo(400);
    }

    @Test
    void shouldAnswer400ForBadNamesAndKeys404ForUnknownPaths405ForOtherMethods() {
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/a%20b"))).isEqualTo(400);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/" + "n".repeat(129)))).isEqualTo(400);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/m/"))).isEqualTo(400);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/m/" + "k".repeat(1024)))).isEqualTo(200);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/maps/m/" + "k".repeat(1025)))).isEqualTo(400);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/nothing"))).isEqualTo(404);
        assertThat(status(() -> route(HttpMethod.GET, "/"))).isEqualTo(404);
        assertThat(status(() -> route(HttpMethod.DELETE, "/v1/maps/m"))).isEqualTo(405);
    }

    @Test
    void shouldStoreCanonicalJson() {
        Value a = Json.toValue(Json.parse("{ \"b\": [1, {\"z\":1,\"y\":2}], \"a\": null }".getBytes(StandardCharsets.UTF_8)));
        assertThat(a.asUtf8()).isEqualTo("{\"a\":null,\"b\":[1,{\"y\":2,\"z\":1}]}");
        assertThat(Json.fromValue(Value.of(new byte[] {1, 2})).path("$bytes").asText()).isEqualTo("AQI=");
        assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> Json.parse("1 2".getBytes(StandardCharsets.UTF_8))).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> Json.parse("NaN".getBytes(StandardCharsets.UTF_8))).isInstanceOf(ApiException.class);
    }

    @Test
    void shouldAverageTheSiblingsShapedLikeTheLatest() {
        ReplicaId r1 = new ReplicaId(1);
        ReplicaId r2 = new ReplicaId(2);
        ReplicaId r3 = new ReplicaId(3);
        List<MvRegister.Sibling<Value>> siblings = List.of(
            sibling(r1, 10, "[1, 2]"), sibling(r2, 20, "[3, 4]"), sibling(r3, 5, "7"));
        JsonNode avg = Resolve.read(ObjectKind.REGISTER_AVERAGE, siblings);
        assertThat(avg.toString()).isEqualTo("[2.0,3.0]");
        JsonNode union = Resolve.read(ObjectKind.REGISTER_UNION, List.of(
            sibling(r1, 1, "[\"a\",\"b\"]"), sibling(r2, 2, "[\"b\",\"c\"]")));
        assertThat(union.toString()).isEqualTo("[\"a\",\"b\",\"c\"]");
        assertThat(Resolve.read(ObjectKind.REGISTER_LWW, siblings).toString()).isEqualTo("[3,4]");
        assertThat(Resolve.read(ObjectKind.REGISTER_SIBLINGS, siblings)).hasSize(3);
        assertThat(Resolve.read(ObjectKind.REGISTER_AVERAGE, List.of()).isNull()).isTrue();
    }

    private static MvRegister.Sibling<Value> sibling(ReplicaId r, long ms, String json) {
        return new MvRegister.Sibling<>(new Dot(r, 1), new Hlc(ms, 0, r),
            Json.toValue(Json.parse(json.getBytes(StandardCharsets.UTF_8))));
    }
}
