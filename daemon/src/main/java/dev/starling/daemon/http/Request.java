package dev.starling.daemon.http;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A request as the endpoints see it: the path's parameters already percent-decoded and checked
 * (names, keys), the query's parameters (first value of each) and the body, copied out of Netty's
 * buffer so the endpoint may complete on any thread.
 *
 * @param route    the matched route's template (the {@code route} tag of the request metrics)
 * @param executor where to complete work that finishes on another thread (the connection's event
 *                 loop): a write's future completes on the replica agent, which must not build replies
 * @param headers  the request's headers (read-only; their object outlives the released request)
 */
public record Request(HttpMethod method, String route, Map<String, String> params, Map<String, List<String>> query,
                      byte[] body, Executor executor, HttpHeaders headers) {

    public Request(HttpMethod method, String route, Map<String, String> params, Map<String, List<String>> query,
                   byte[] body, Executor executor) {
        this(method, route, params, query, body, executor, EmptyHttpHeaders.INSTANCE);
    }

    /** The first value of header {@code name}, or {@code null}. */
    public String header(CharSequence name) {
        return headers.get(name);
    }

    public String param(String name) {
        return params.get(name);
    }

    /** The first value of query parameter {@code name}, or {@code null}. */
    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
