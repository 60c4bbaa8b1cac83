package dev.starling.daemon.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 server of the API on Netty: {@link HttpServerCodec}, then an aggregator that answers
 * a body over the limit with 413 {@code too_large}, then {@link HttpHandler}. Keep-alive; a
 * connection idle for {@link #IDLE_TIMEOUT_S} with no request in progress is closed (a write
 * waiting for its peers' acks is a request in progress, whatever its timeout).
 */
public final class HttpServer implements AutoCloseable {

    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /** Long enough for a key of 1,024 UTF-8 bytes, each percent-encoded, with room to spare. */
    static final int MAX_INITIAL_LINE = 16 * 1024;
    static final int MAX_HEADER_BYTES = 16 * 1024;
    static final int IDLE_TIMEOUT_S = 120;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;
    private final Api api;

    private HttpServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel, Api api) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
        this.api = api;
    }

    /**
     * Binds {@code host:port} (0 picks a port) and serves {@code api}.
     *
     * @param token    the bearer token every path but /v1/health and /metrics requires, or null
     * @param observer told of each request (metrics)
     */
    public static HttpServer start(String host, int port, Api api, byte[] token, int maxBodyBytes, int threads,
                                   RequestObserver observer) throws InterruptedException {
        EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("starling-http-accept", true));
        EventLoopGroup workers = new NioEventLoopGroup(threads, new DefaultThreadFactory("starling-http", true));
        try {
            ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(new IdleStateHandler(0, 0, IDLE_TIMEOUT_S, TimeUnit.SECONDS));
                        p.addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
                        p.addLast(new BodyLimit(maxBodyBytes));
                        p.addLast(new HttpHandler(api, token, observer));
                    }
                });
            Channel ch = b.bind(host, port).sync().channel();
            try {
                api.start();
            } catch (IOException | RuntimeException e) {
                ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                throw new IllegalStateException("cannot start webhooks: " + e.getMessage(), e);
            }
            return new HttpServer(boss, workers, ch, api);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops accepting, then closes the connections (replies under way are cut), then the API's background work. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        api.close();
    }

    /**
     * The aggregator with the API's 413: a JSON error body instead of Netty's empty one. As Netty
     * does, the connection stays open when the client announced the length and keeps alive (the
     * rest of the body is read and dropped), and is closed otherwise.
     */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int maxBodyBytes;

        BodyLimit(int maxBodyBytes) {
            super(maxBodyBytes);
            this.maxBodyBytes = maxBodyBytes;
        }

        /** A request announcing a body over the limit with {@code Expect: 100-continue}: our 413. */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            Object r = super.newContinueResponse(start, maxContentLength, pipeline);
            if (r instanceof FullHttpResponse netty
                    && netty.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
                netty.release();
                return tooLarge();
            }
            return r;
        }

        private FullHttpResponse tooLarge() {
            Reply r = Reply.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                "the body is over the limit of " + maxBodyBytes + " bytes");
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                Unpooled.wrappedBuffer(r.body()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
            return response;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = tooLarge();
            boolean keep = !(oversized instanceof FullHttpMessage)
                && (HttpUtil.is100ContinueExpected(oversized) || HttpUtil.isKeepAlive(oversized));
            if (!keep) {
                response.headers().set(HttpHeaderNames.CONNECTION, "close");
            }
            ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
                if (!keep || !f.isSuccess()) {
                    f.channel().close();
                }
            });
        }
    }
}
