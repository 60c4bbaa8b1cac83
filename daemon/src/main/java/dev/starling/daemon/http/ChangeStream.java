package dev.starling.daemon.http;

import dev.starling.node.ChangeFeed;
import dev.starling.node.Subscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of {@code GET /v1/changes/stream}: Server-Sent Events over a chunked response, one
 * change per event ({@code id: <cursor>}, {@code data: <change JSON>}, a blank line), a
 * {@code : ping} comment every {@link #HEARTBEAT_INTERVAL_MS}.
 *
 * <p>Two modes. <b>Catching up</b>: pages are read from the feed (LMDB, on the blocking executor)
 * after the last cursor sent, one page at a time and only while the connection is writable, so a
 * replay of any length holds one page in memory. <b>Live</b>: once a page comes back short, the
 * entries the feed's listener hands over (on the replica agent, which must not block: it only
 * appends to {@link #buffer} and schedules {@link #drain} on the event loop) are written as they
 * come. An entry whose cursor is not the next one (published between the last read and the switch
 * to live) sends the stream back to catching up, so nothing is skipped; entries already sent are
 * dropped, so nothing is sent twice.
 *
 * <p>Bounded: while the connection is not writable (Netty's write-buffer high-water mark) nothing
 * more is written and live entries wait in {@link #buffer}; a client that lets it grow past
 * {@link #MAX_BUFFERED_ENTRIES}, or stays unwritable for two heartbeats, is cut off (the connection
 * is closed) and can resume with {@code Last-Event-ID}.
 *
 * <p>Threads: everything but {@link #onEntries} runs on the channel's event loop; {@link #buffer}
 * and the flags next to it are guarded by {@code this}.
 */
final class ChangeStream extends ChannelInboundHandlerAdapter implements ChangeFeed.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeStream.class);

    static final long HEARTBEAT_INTERVAL_MS = 15_000;
    static final int PAGE_ENTRIES = 256;
    static final int MAX_BUFFERED_ENTRIES = 4096;
    private static final int STALLED_HEARTBEATS = 2;

    private final ChangeFeed feed;
    private final Executor blocking;
    private final AtomicInteger open;
    private Channel channel;
    private long position;
    private boolean reading;
    private boolean closed;
    private int stalledHeartbeats;
    private Subscription subscription;
    private ScheduledFuture<?> heartbeat;

    // guarded by this
    private final ArrayDeque<ChangeFeed.Entry> buffer = new ArrayDeque<>();
    private boolean live;
    private boolean overflowed;
    private boolean drainScheduled;

    /**
     * @param since   the cursor after which to start
     * @param open    the node's count of open streams: one up while this one is open
     */
    ChangeStream(ChangeFeed feed, Executor blocking, long since, AtomicInteger open) {
        this.feed = feed;
        this.blocking = blocking;
        this.position = since;
        this.open = open;
    }

    /** Event loop: writes the response head and starts catching up. */
    void start(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        open.incrementAndGet();
        ctx.pipeline().addLast("change-stream", this);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        head.headers().set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(head, true);
        channel.write(head);
        // the head leaves at once, so a client knows it is connected before the first change
        channel.writeAndFlush(chunk(": starling change stream after " + position + "\n\n"));
        subscription = feed.subscribe(this);
        heartbeat = channel.eventLoop().scheduleAtFixedRate(this::heartbeat, HEARTBEAT_INTERVAL_MS,
            HEARTBEAT_INTERVAL_MS, TimeUnit.MILLISECONDS);
        catchUp();
    }

    // ---------------------------------------------------------------- agent thread

    @Override
    public void onEntries(List<ChangeFeed.Entry> entries) {
        synchronized (this) {
            if (!live || closed) {
                return;
            }
            if (overflowed) {
                return;
            }
            if (buffer.size() + entries.size() > MAX_BUFFERED_ENTRIES) {
                overflowed = true;
                buffer.clear();
            } else {
                buffer.addAll(entries);
            }
            if (drainScheduled) {
                return;
            }
            drainScheduled = true;
        }
        try {
            channel.eventLoop().execute(this::drain);
        } catch (RejectedExecutionException e) {
            // the server is shutting down: the connection goes with it
        }
    }

    // ---------------------------------------------------------------- event loop

    private void catchUp() {
        if (reading || closed) {
            return;
        }
        reading = true;
        synchronized (this) {
            live = false;
            buffer.clear();
        }
        long from = position;
        try {
            blocking.execute(() -> {
                Runnable next;
                try {
                    List<ChangeFeed.Entry> page = feed.read(from, PAGE_ENTRIES);
                    next = () -> onPage(page);
                } catch (RuntimeException e) {
                    LOG.warn("change stream: reading the feed failed", e);
                    next = this::close;
                }
                try {
                    channel.eventLoop().execute(next);
                } catch (RejectedExecutionException e) {
                    // the server is shutting down: the connection goes with it
                }
            });
        } catch (RejectedExecutionException e) {
            close();
        }
    }

    private void onPage(List<ChangeFeed.Entry> page) {
        reading = false;
        if (closed) {
            return;
        }
        writeAll(page);
        if (page.size() < PAGE_ENTRIES) {
            synchronized (this) {
                live = true;
            }
            // lastCursor is set before listeners are called: what was published before live was set shows here
            if (feed.lastCursor() <= position) {
                return;
            }
        }
        if (channel.isWritable()) {
            catchUp();
        }
        // else channelWritabilityChanged resumes
    }

    private void drain() {
        if (closed) {
            return;
        }
        List<ChangeFeed.Entry> entries;
        synchronized (this) {
            drainScheduled = false;
            if (overflowed) {
                entries = null;
            } else if (!live || !channel.isWritable()) {
                return;
            } else {
                entries = new ArrayList<>(buffer);
                buffer.clear();
            }
        }
        if (entries == null) {
            LOG.info("change stream to {} cut off: the client reads slower than {} changes are buffered",
                channel.remoteAddress(), MAX_BUFFERED_ENTRIES);
            close();
            return;
        }
        boolean wrote = false;
        for (ChangeFeed.Entry e : entries) {
            if (e.cursor() <= position) {
                continue;
            }
            if (e.cursor() != position + 1) {
                if (wrote) {
                    channel.flush();
                }
                catchUp();
                return;
            }
            write(e);
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** Writes the entries after {@link #position} and flushes. */
    private void writeAll(List<ChangeFeed.Entry> entries) {
        boolean wrote = false;
        for (ChangeFeed.Entry e : entries) {
            if (e.cursor() <= position) {
                continue;
            }
            write(e);
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private void write(ChangeFeed.Entry e) {
        String json = new String(Json.write(Api.change(e)), StandardCharsets.UTF_8);
        channel.write(chunk("id: " + e.cursor() + "\ndata: " + json + "\n\n"));
        position = e.cursor();
    }

    private void heartbeat() {
        if (closed) {
            return;
        }
        if (!channel.isWritable()) {
            if (++stalledHeartbeats >= STALLED_HEARTBEATS) {
                LOG.info("change stream to {} cut off: nothing read for {} ms", channel.remoteAddress(),
                    STALLED_HEARTBEATS * HEARTBEAT_INTERVAL_MS);
                close();
            }
            return;
        }
        stalledHeartbeats = 0;
        channel.writeAndFlush(chunk(": ping\n\n"));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && !closed) {
            boolean isLive;
            synchronized (this) {
                isLive = live;
            }
            if (isLive) {
                drain();
            } else {
                catchUp();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        end();
        super.channelInactive(ctx);
    }

    private void close() {
        end();
        channel.close();
    }

    private void end() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (this) {
            buffer.clear();
            live = false;
        }
        if (subscription != null) {
            subscription.close();
        }
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        open.decrementAndGet();
    }

    private static DefaultHttpContent chunk(String text) {
        ByteBuf b = Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
        return new DefaultHttpContent(b);
    }
}
