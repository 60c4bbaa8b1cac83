package dev.starling.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.RejectedExecutionException;

/**
 * Netty's {@code IdleStateHandler} without a timer on the event loop: the event loop only counts
 * the reads and writes of the connection, and the transport's {@link IdleMonitor} thread looks at
 * the counts every tick and fires the same {@link IdleStateEvent}s through the pipeline (on the
 * event loop) when one of them has not moved for the idle time. Reader idle after
 * {@code readerIdleNs} without a read, writer idle after {@code writerIdleNs} without a write; each
 * fires again after every further idle time, as {@code IdleStateHandler} does.
 *
 * <p>Why: with any scheduled task, Netty's epoll loop sleeps with a timeout, which arms a kernel
 * timer at every sleep; on the VMs we measured that alone widened the tail of a round trip
 * (docs/benchmarks-transport.md). With this tracker the loops of established connections have no
 * timers at all.
 *
 * <p>An event fires between the idle time and the idle time plus two ticks after the last read or
 * write, never earlier: the monitor notes the time at the first tick that sees a count change. Sits
 * where {@code IdleStateHandler} sat, before the frame decoder, so the bytes of a frame still
 * arriving count as life.
 */
final class IdleTracker extends ChannelDuplexHandler {

    private static final VarHandle READS;
    private static final VarHandle WRITES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            READS = lookup.findVarHandle(IdleTracker.class, "reads", long.class);
            WRITES = lookup.findVarHandle(IdleTracker.class, "writes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IdleMonitor monitor;
    /** Written by the event loop only (release), read by the monitor thread (acquire). */
    private long reads;
    private long writes;
    private ChannelHandlerContext ctx;

    // Monitor-thread state: the counts last seen, and since when they have not moved.
    private long seenReads;
    private long seenWrites;
    private long readsSinceNs;
    private long writesSinceNs;
    private boolean readerFired;
    private boolean writerFired;

    IdleTracker(IdleMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        monitor.register(this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        monitor.unregister(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        monitor.unregister(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        READS.setRelease(this, reads + 1);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        WRITES.setRelease(this, writes + 1);
        ctx.write(msg, promise);
    }

    /** Starts the idle clocks at {@code nowNs}; by the monitor, before it starts looking at this tracker. */
    void start(long nowNs) {
        seenReads = (long) READS.getAcquire(this);
        seenWrites = (long) WRITES.getAcquire(this);
        readsSinceNs = nowNs;
        writesSinceNs = nowNs;
    }

    /** One look at the counts, on the monitor thread; fires the idle events that are due. */
    void check(long nowNs, long readerIdleNs, long writerIdleNs) {
        long r = (long) READS.getAcquire(this);
        if (r != seenReads) {
            seenReads = r;
            readsSinceNs = nowNs;
            readerFired = false;
        } else if (nowNs - readsSinceNs >= readerIdleNs) {
            readsSinceNs = nowNs; // the next one after another idle time
            fire(readerFired ? IdleStateEvent.READER_IDLE_STATE_EVENT : IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
            readerFired = true;
        }
        long w = (long) WRITES.getAcquire(this);
        if (w != seenWrites) {
            seenWrites = w;
            writesSinceNs = nowNs;
            writerFired = false;
        } else if (nowNs - writesSinceNs >= writerIdleNs) {
            writesSinceNs = nowNs;
            fire(writerFired ? IdleStateEvent.WRITER_IDLE_STATE_EVENT : IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);
            writerFired = true;
        }
    }

    private void fire(IdleStateEvent event) {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        try {
            c.executor().execute(() -> {
                if (c.channel().isActive()) {
                    c.fireUserEventTriggered(event);
                }
            });
        } catch (RejectedExecutionException e) {
            // the event loop is shutting down
        }
    }
}
