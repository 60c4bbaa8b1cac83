package dev.starling.daemon.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a connection: checks the token, routes, runs the endpoint and writes its
 * reply. One request of a connection is handled at a time: requests that arrive meanwhile
 * (pipelining) wait in {@link #waiting}, so replies leave in request order even when a write
 * completes later than the reads behind it. All state is touched on the channel's event loop only.
 *
 * <p>Buffers: the aggregated request is released here once its body is copied out; the reply
 * buffer is released by Netty when written.
 */
final class HttpHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(HttpHandler.class);
    private static final int MAX_WAITING = 64;

    private final Api api;
    private final byte[] token;
    private final RequestObserver observer;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean busy;

    HttpHandler(Api api, byte[] token, RequestObserver observer) {
        this.api = api;
        this.token = token;
        this.observer = observer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (waiting.size() >= MAX_WAITING) {
            request.release();
            ctx.close();
            return;
        }
        waiting.add(request);
        if (!busy) {
            next(ctx);
        }
    }

    private void next(ChannelHandlerContext ctx) {
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            return;
        }
        busy = true;
        long startNs = System.nanoTime();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String method = request.method().name();
        String[] route = {"other"};
        CompletableFuture<Reply> reply;
        try {
            if (request.decoderResult().isFailure()) {
                keepAlive = false;
                throw ApiException.badRequest("malformed request: " + request.decoderResult().cause());
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri(), StandardCharsets.UTF_8);
            String rawPath = uri.rawPath();
            if (token != null && !Api.isPublic(rawPath) && !authorized(request)) {
                throw new ApiException(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                    "this node requires Authorization: Bearer <token>");
            }
            byte[] body = ByteBufUtil.getBytes(request.content());
            Router.Match match = api.route(request.method(), rawPath, uri.parameters(), body, ctx.executor(),
                request.headers());
            route[0] = match.request().route();
            reply = match.endpoint().handle(match.request());
        } catch (Throwable t) {
            reply = CompletableFuture.completedFuture(Api.failure(t));
        } finally {
            request.release();
        }
        boolean close = !keepAlive;
        reply.whenComplete((r, err) -> {
            Reply out = err != null ? Api.failure(err) : r;
            if (ctx.executor().inEventLoop()) {
                write(ctx, out, close, route[0], method, startNs);
            } else {
                ctx.executor().execute(() -> write(ctx, out, close, route[0], method, startNs));
            }
        });
    }

    private void write(ChannelHandlerContext ctx, Reply reply, boolean close, String route, String method,
                       long startNs) {
        if (reply.stream() != null) {
            // the connection is the stream's now: busy stays set, later requests are never handled
            observer.record(route, method, reply.status().code(), System.nanoTime() - startNs);
            if (ctx.channel().isActive()) {
                reply.stream().start(ctx);
            }
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(),
            Unpooled.wrappedBuffer(reply.body()));
        if (reply.contentType() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        observer.record(route, method, reply.status().code(), System.nanoTime() - startNs);
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (close || !f.isSuccess()) {
                f.channel().close();
                return;
            }
            busy = false;
            next(ctx);
        });
    }

    private boolean authorized(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token);
    }

    /** Closes an idle connection unless a request is in progress (a write may wait for acks). */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (!busy && waiting.isEmpty()) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
