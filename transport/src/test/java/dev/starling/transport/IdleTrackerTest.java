package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.FrameProto;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Idle events from read and write counts, on virtual time: when they fire (never early, at most two
 * ticks late, again after each further idle time), what resets them, and that they stop with the
 * connection. Then, over real sockets, that established connections leave no timer on the event loops.
 */
class IdleTrackerTest {

    private static final long READER_IDLE_NS = 1_000;
    private static final long WRITER_IDLE_NS = 400;

    private final AtomicLong clock = new AtomicLong();
    private final IdleMonitor monitor = new IdleMonitor("test-timer", READER_IDLE_NS, WRITER_IDLE_NS, clock::get, false);
    private final List<String> events = new ArrayList<>();
    private final EmbeddedChannel ch = new EmbeddedChannel(new IdleTracker(monitor), new ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            IdleStateEvent e = (IdleStateEvent) evt;
            events.add(clock.get() + ":" + e.state() + (e.isFirst() ? " first" : ""));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    });

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        monitor.close();
    }

    /** Advances the virtual clock to {@code nowNs}, ticks, and runs what the tick handed to the event loop. */
    private void tickAt(long nowNs) {
        clock.set(nowNs);
        monitor.tick(nowNs);
        ch.runPendingTasks();
    }

    @Test
    void shouldFireEachIdleEventAfterItsIdleTimeAndAgainAfterEachFurtherOne() {
        tickAt(399);
        assertThat(events).isEmpty();
        tickAt(400);
        tickAt(799);
        tickAt(800);
        tickAt(999);
        assertThat(events).containsExactly("400:WRITER_IDLE first", "800:WRITER_IDLE");
        tickAt(1_000);
        tickAt(1_999);
        tickAt(2_000);
        assertThat(events).contains("1000:READER_IDLE first", "2000:READER_IDLE");
    }

    @Test
    void shouldRestartTheReaderClockAtTheFirstTickThatSeesARead() {
        tickAt(500);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1})); // read at 500..600: seen at the tick of 600
        tickAt(600);
        tickAt(1_599);
        assertThat(events).noneMatch(e -> e.contains("READER"));
        tickAt(1_600);
        assertThat(events).contains("1600:READER_IDLE first");
    }

    @Test
    void shouldRestartTheWriterClockOnEveryWrite() {
        tickAt(300);
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1}));
        tickAt(350); // sees the write
        tickAt(749);
        assertThat(events).isEmpty();
        tickAt(750);
        assertThat(events).containsExactly("750:WRITER_IDLE first");
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {2}));
        tickAt(760);
        tickAt(1_159);
        assertThat(writerEvents()).containsExactly("750:WRITER_IDLE first");
        tickAt(1_160);
        assertThat(writerEvents()).containsExactly("750:WRITER_IDLE first", "1160:WRITER_IDLE first");
    }

    private List<String> writerEvents() {
        return events.stream().filter(e -> e.contains("WRITER")).toList();
    }

    @Test
    void shouldStopFiringOnceTheConnectionIsClosed() {
        tickAt(400);
        ch.close();
        tickAt(10_000);
        tickAt(20_000);
        assertThat(events).containsExactly("400:WRITER_IDLE first");
    }

    @Test
    void shouldLeaveNoTimerOnTheEventLoopsOfEstablishedConnections() throws Exception {
        try (TestNode a = TestNode.start(1); TestNode b = TestNode.start(2)) {
            a.connect(b);
            a.awaitConnected(b);
            a.roundTrip(b, "warm", 10);
            b.roundTrip(a, "warm", 10);
            for (TestNode n : List.of(a, b)) {
                for (EventExecutor loop : n.transport.eventLoops()) {
                    assertThat(nextTimerDeadlineNs((EventLoop) loop)).as("timer on %s of %s", loop, n.id).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void shouldStillSendHeartbeatsToAnIdlePeer() throws Exception {
        ReplicaId raw = new ReplicaId(50);
        try (TestNode node = TestNode.start(1); RawPeer p = RawPeer.connect(node.transport.localAddress())) {
            p.handshakeAsClient(TestNode.SECRET, raw, TestNode.CLUSTER);
            // The local profile pings after 200 ms without writes; the timer thread sees it within 25 ms more.
            assertThat(p.readFrame(Duration.ofSeconds(5)).getKindCase()).isEqualTo(FrameProto.KindCase.PING);
            assertThat(p.readFrame(Duration.ofSeconds(5)).getKindCase()).isEqualTo(FrameProto.KindCase.PING);
        }
    }

    /**
     * The deadline of the loop's next timer, -1 when it has none. Netty keeps this query protected;
     * it reads the loop's timer queue, so it is asked on the loop.
     */
    private static long nextTimerDeadlineNs(EventLoop loop) throws Exception {
        Method m = AbstractScheduledEventExecutor.class.getDeclaredMethod("nextScheduledTaskDeadlineNanos");
        m.setAccessible(true);
        return loop.submit(() -> (Long) m.invoke(loop)).get(5, TimeUnit.SECONDS);
    }
}
