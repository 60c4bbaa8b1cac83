package dev.starling.bench.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.MpscArrayQueue;

/**
 * The baseline: bare Netty, no batching, no envelope, no handshake, no queues. One TCP connection
 * on 127.0.0.1 between a "server" and a "client" event loop group of the same size and type as
 * Starling's (epoll when available, else NIO), same socket options (TCP_NODELAY, the write buffer
 * water marks Starling uses: 256 KiB / 1 MiB).
 *
 * <p>Pipeline on both sides: {@link LengthFieldBasedFrameDecoder} (4-byte length, stripped),
 * {@link LengthFieldPrepender} (4-byte length), then the benchmark handler. Every message is one
 * frame: 4 bytes of length + the payload, whose first 8 bytes are a sequence number.
 *
 * <p>Throughput: a task on the client's event loop allocates each payload from the channel's
 * (pooled, direct) allocator, writes it without flushing, flushes every {@code flushEvery} messages,
 * and whenever the channel turns unwritable it flushes and returns; {@code channelWritabilityChanged}
 * resumes it. The server's handler checks the sequence, counts, releases, and stamps the time of the
 * last message. Time runs from the start of the write task to the last receive.
 *
 * <p>Round trip: the client's handler writes-and-flushes one request, the server's handler writes
 * the same frame back (write-and-flush), the client's handler takes {@code System.nanoTime()} on
 * arrival and sends the next request from the event loop. One request outstanding at a time; no
 * application thread is involved on either side.
 */
final class NettyBaseline implements AutoCloseable {

    private static final int MAX_FRAME = 1 << 20;

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final int payloadBytes;
    private final int flushEvery;
    private final Channel serverChannel;
    private final Channel clientChannel;
    private final ClientHandler client;
    private volatile ServerHandler server;
    private final CountDownLatch serverReady = new CountDownLatch(1);

    NettyBaseline(BenchOptions o) throws Exception {
        this.payloadBytes = o.payloadBytes;
        this.flushEvery = o.flushEvery;
        boolean epoll = o.epoll && Epoll.isAvailable();
        this.serverGroup = epoll ? new EpollEventLoopGroup(o.ioThreads) : new NioEventLoopGroup(o.ioThreads);
        this.clientGroup = epoll ? new EpollEventLoopGroup(o.ioThreads) : new NioEventLoopGroup(o.ioThreads);
        Class<? extends ServerChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends Channel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        WriteBufferWaterMark marks = new WriteBufferWaterMark(256 << 10, 1 << 20);
        Channel s = null;
        Channel c = null;
        try {
            s = new ServerBootstrap().group(serverGroup).channel(serverType)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ServerHandler h = new ServerHandler();
                        pipeline(ch.pipeline()).addLast(h);
                        server = h;
                        serverReady.countDown();
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
            client = new ClientHandler();
            c = new Bootstrap().group(clientGroup).channel(clientType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline(ch.pipeline()).addLast(client);
                    }
                })
                .connect((InetSocketAddress) s.localAddress()).sync().channel();
            if (!serverReady.await(10, TimeUnit.SECONDS)) {
                throw new TimeoutException("baseline server never accepted");
            }
        } catch (Exception | Error e) {
            if (c != null) {
                c.close();
            }
            if (s != null) {
                s.close();
            }
            shutdown();
            throw e;
        }
        this.serverChannel = s;
        this.clientChannel = c;
    }

    private static ChannelPipeline pipeline(ChannelPipeline p) {
        return p.addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4))
            .addLast(new LengthFieldPrepender(4));
    }

    /** Streams {@code n} messages one way; returns nanoseconds from the start of writing to the last receive. */
    long throughput(long n, long timeoutSeconds) throws Exception {
        ServerHandler s = server;
        CountDownLatch done = new CountDownLatch(1);
        s.expectCount(n, done);
        long start = System.nanoTime();
        clientChannel.eventLoop().execute(() -> client.startStreaming(n));
        if (!done.await(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new TimeoutException("baseline throughput run: " + s.received + " of " + n + " after "
                + timeoutSeconds + " s");
        }
        if (s.error != null) {
            throw new IllegalStateException(s.error);
        }
        return s.lastReceiveNanos - start;
    }

    /** Makes {@code samples.length} round trips, one outstanding; fills {@code samples} with nanoseconds. */
    void roundTrips(long[] samples, long timeoutSeconds) throws Exception {
        server.echo(null);
        CountDownLatch done = new CountDownLatch(1);
        clientChannel.eventLoop().execute(() -> client.startPingPong(samples, done));
        if (!done.await(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new TimeoutException("baseline RTT run did not finish in " + timeoutSeconds + " s");
        }
        if (client.error != null) {
            throw new IllegalStateException(client.error);
        }
    }

    /**
     * Round trips as {@link #roundTrips} but through an application thread on each side, the way
     * Starling's API works: the calling thread writes-and-flushes the request from outside the event
     * loop (Netty hands the write to the loop as a task) and waits for the reply in a queue that the
     * client's event loop fills (payload copied to a byte[]); on the server, the event loop copies each
     * request to a byte[] and queues it to an echo thread, which writes-and-flushes it back. The
     * threads wait with the same idle strategy as Starling's consumers. Not a goal figure: it shows
     * what the thread hand-offs alone cost.
     */
    void roundTripsThreaded(long[] samples, BenchOptions.Idle idle, long timeoutSeconds) throws Exception {
        MpscArrayQueue<byte[]> serverInbox = new MpscArrayQueue<>(1024);
        MpscArrayQueue<byte[]> clientInbox = new MpscArrayQueue<>(1024);
        server.echo(serverInbox);
        client.replies(clientInbox);
        Channel child = server.channel();
        AtomicBoolean stop = new AtomicBoolean();
        Thread echo = new Thread(() -> {
            int idleRounds = 0;
            while (!stop.get()) {
                byte[] b = serverInbox.poll();
                if (b == null) {
                    StarlingPair.idle(idle, idleRounds++);
                    continue;
                }
                idleRounds = 0;
                child.writeAndFlush(Unpooled.wrappedBuffer(b), child.voidPromise());
            }
        }, "bench-baseline-echo");
        echo.setDaemon(true);
        echo.start();
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        try {
            for (int i = 0; i < samples.length; i++) {
                long t0 = System.nanoTime();
                ByteBuf req = clientChannel.alloc().ioBuffer(payloadBytes);
                req.writeLong(i);
                req.writeZero(payloadBytes - 8);
                clientChannel.writeAndFlush(req, clientChannel.voidPromise());
                byte[] reply;
                int idleRounds = 0;
                while ((reply = clientInbox.poll()) == null) {
                    StarlingPair.idle(idle, idleRounds++);
                    if ((idleRounds & 0xFFFF) == 0 && System.nanoTime() > deadline) {
                        throw new TimeoutException("threaded baseline RTT: no reply to " + i);
                    }
                }
                samples[i] = System.nanoTime() - t0;
                long seq = ByteBuffer.wrap(reply).getLong(0);
                if (seq != i || reply.length != payloadBytes) {
                    throw new IllegalStateException("threaded baseline: reply " + seq + ", expected " + i);
                }
            }
        } finally {
            stop.set(true);
            echo.join(5_000);
            client.replies(null);
        }
        if (server.error != null) {
            throw new IllegalStateException(server.error);
        }
    }

    @Override
    public void close() {
        clientChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutdown();
    }

    private void shutdown() {
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Server side: counts (throughput) or echoes (RTT). Runs on the server's event loop. */
    private final class ServerHandler extends ChannelInboundHandlerAdapter {
        private volatile Channel channel;
        private boolean echo;
        private MpscArrayQueue<byte[]> inbox;
        private long expected;
        private CountDownLatch done;
        volatile long received;
        volatile long lastReceiveNanos;
        volatile String error;

        void expectCount(long n, CountDownLatch latch) throws InterruptedException {
            CountDownLatch set = new CountDownLatch(1);
            channel().eventLoop().execute(() -> {
                echo = false;
                expected = n;
                received = 0;
                done = latch;
                set.countDown();
            });
            set.await();
        }

        /** Echo on the event loop ({@code inbox} null) or hand requests to an application thread through {@code inbox}. */
        void echo(MpscArrayQueue<byte[]> inbox) throws InterruptedException {
            CountDownLatch set = new CountDownLatch(1);
            channel().eventLoop().execute(() -> {
                echo = true;
                this.inbox = inbox;
                set.countDown();
            });
            set.await();
        }

        Channel channel() {
            return channel;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if (echo) {
                if (inbox == null) {
                    ctx.writeAndFlush(frame, ctx.voidPromise());
                } else {
                    byte[] copy = ByteBufUtil.getBytes(frame);
                    frame.release();
                    if (!inbox.offer(copy)) {
                        error = "baseline: server inbox full";
                    }
                }
                return;
            }
            long seq = frame.getLong(frame.readerIndex());
            int length = frame.readableBytes();
            frame.release();
            long r = received;
            if (seq != r || length != payloadBytes) {
                error = "baseline: got seq " + seq + " (" + length + " B), expected " + r;
            }
            received = r + 1;
            if (r + 1 == expected) {
                lastReceiveNanos = System.nanoTime();
                done.countDown();
            }
        }
    }

    /** Client side: the streaming writer and the ping-pong driver. Runs on the client's event loop. */
    private final class ClientHandler extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private long target;
        private long sent;
        private long[] samples;
        private int sample;
        private long requestSentAt;
        private CountDownLatch rttDone;
        private volatile MpscArrayQueue<byte[]> inbox;
        volatile String error;

        void replies(MpscArrayQueue<byte[]> queue) {
            inbox = queue;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        private ByteBuf payload(long seq) {
            ByteBuf b = ctx.alloc().ioBuffer(payloadBytes);
            b.writeLong(seq);
            b.writeZero(payloadBytes - 8);
            return b;
        }

        void startStreaming(long n) {
            target = n;
            sent = 0;
            writeLoop();
        }

        private void writeLoop() {
            Channel ch = ctx.channel();
            int unflushed = 0;
            while (sent < target) {
                if (!ch.isWritable()) {
                    break; // flushed below; channelWritabilityChanged resumes
                }
                ch.write(payload(sent), ch.voidPromise());
                sent++;
                if (++unflushed == flushEvery) {
                    ch.flush();
                    unflushed = 0;
                }
            }
            ch.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && sent < target) {
                writeLoop();
            }
            ctx.fireChannelWritabilityChanged();
        }

        void startPingPong(long[] out, CountDownLatch done) {
            samples = out;
            sample = 0;
            rttDone = done;
            sendRequest();
        }

        private void sendRequest() {
            requestSentAt = System.nanoTime();
            ctx.writeAndFlush(payload(sample), ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            ByteBuf frame = (ByteBuf) msg;
            MpscArrayQueue<byte[]> q = inbox;
            if (q != null) {
                byte[] copy = ByteBufUtil.getBytes(frame);
                frame.release();
                if (!q.offer(copy)) {
                    error = "baseline: client inbox full";
                }
                return;
            }
            long seq = frame.getLong(frame.readerIndex());
            frame.release();
            if (samples == null || sample >= samples.length) {
                error = "baseline: unexpected reply " + seq;
                return;
            }
            if (seq != sample) {
                error = "baseline: reply " + seq + ", expected " + sample;
            }
            samples[sample++] = now - requestSentAt;
            if (sample < samples.length) {
                sendRequest();
            } else {
                samples = null;
                rttDone.countDown();
            }
        }
    }
}
