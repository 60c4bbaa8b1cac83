package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.plane.DataPlane;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.MessageTypes;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.Op;
import dev.starling.node.replication.Replicator;
import dev.starling.node.replication.ReplicatorConfig;
import dev.starling.node.replication.TypeConflictException;
import dev.starling.node.replication.sim.MemoryStore;
import dev.starling.node.replication.sim.StepEffects;
import dev.starling.node.store.Store;
import dev.starling.node.store.StoreConfig;
import dev.starling.node.store.SyncPolicy;
import dev.starling.transport.MessageHandler;
import dev.starling.transport.SendResult;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica agent's duty cycle with a backlog of received messages: a cycle stops taking messages
 * once it holds {@link ReplicaAgent#CHANGES_PER_CYCLE} changes (so its acks go out), and while
 * messages wait it takes only {@link ReplicaAgent#WRITES_PER_CYCLE_WHILE_BEHIND} local writes.
 * Driven by hand (no agent thread), with a data plane that is a queue.
 */
class ReplicaAgentTest {

    private static final int RECORDS_PER_MESSAGE = 100;
    private static final int MESSAGES = 100;

    @TempDir
    Path tmp;

    /** A data plane whose received messages are a queue filled by the test. */
    private static final class QueuePlane implements DataPlane {
        final ReplicaId self;
        final ArrayDeque<StepEffects.Sent> inbound = new ArrayDeque<>();
        final ReplicaId from;
        final List<StepEffects.Sent> sent = new ArrayList<>();

        QueuePlane(ReplicaId self, ReplicaId from) {
            this.self = self;
            this.from = from;
        }

        @Override
        public ReplicaId self() {
            return self;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void connect(ReplicaId peer, InetSocketAddress address) {
        }

        @Override
        public void forget(ReplicaId peer) {
        }

        @Override
        public SendResult send(ReplicaId peer, int type, byte[] payload) {
            sent.add(new StepEffects.Sent(peer, type, payload));
            return SendResult.QUEUED;
        }

        @Override
        public int poll(MessageHandler handler, int limit) {
            int n = 0;
            StepEffects.Sent m;
            while (n < limit && (m = inbound.poll()) != null) {
                handler.onMessage(from, m.type(), m.payload());
                n++;
            }
            return n;
        }

        @Override
        public void close() {
        }

        long acks() {
            return sent.stream().filter(m -> m.type() == MessageTypes.DELTA_ACK).count();
        }
    }

    /** {@code MESSAGES} DELTAS messages of {@code RECORDS_PER_MESSAGE} map puts each, from a replicator on a memory store. */
    private static List<StepEffects.Sent> backlog(ReplicaId sender, ReplicaId receiver) throws TypeConflictException {
        long[] nowMs = {1_000_000};
        MemoryStore store = new MemoryStore(sender, 1_000_000);
        ReplicatorConfig config = ReplicatorConfig.local().toBuilder().coalesceAcks(true).build();
        Replicator a = new Replicator(config, new HybridLogicalClock(sender, () -> nowMs[0], 60_000), store, new Random(1));
        List<StepEffects.Sent> out = new ArrayList<>();
        MemoryStore.Step up = store.begin();
        a.onPeerUp(receiver, nowMs[0], new StepEffects(up));
        up.commit();
        for (int m = 0; m < MESSAGES; m++) {
            MemoryStore.Step step = store.begin();
            StepEffects fx = new StepEffects(step);
            for (int i = 0; i < RECORDS_PER_MESSAGE; i++) {
                int k = m * RECORDS_PER_MESSAGE + i;
                a.submit(new Op.MapPut("load", "k" + k, Value.utf8("v" + k)), AckLevel.LOCAL, 1000, nowMs[0], fx);
            }
            a.flush(nowMs[0], fx);
            step.commit();
            fx.sent.stream().filter(s -> s.type() == MessageTypes.DELTAS).forEach(out::add);
            nowMs[0]++;
        }
        return out;
    }

    @Test
    void shouldEndACycleAtItsChangeBudgetAndTakeFewLocalWritesWhileMessagesWait() throws Exception {
        StoreConfig storeConfig = StoreConfig.local().toBuilder().syncPolicy(SyncPolicy.NONE).build();
        try (Store store = Store.open(tmp.resolve("r"), storeConfig)) {
            ReplicaId self = store.replicaId();
            ReplicaId sender = new ReplicaId(self.value() ^ 0x5555);
            List<StepEffects.Sent> messages = backlog(sender, self);
            assertThat(messages).hasSize(MESSAGES);
            QueuePlane plane = new QueuePlane(self, sender);
            plane.inbound.addAll(messages);
            ReplicatorConfig config = ReplicatorConfig.local().toBuilder().coalesceAcks(true).build();
            Replicator replicator = new Replicator(config,
                new HybridLogicalClock(self, System::currentTimeMillis, 60_000), store, new Random(2));
            ChangeFeed feed = new ChangeFeed(store);
            long[] nowMs = {5_000};
            ReplicaAgent agent = new ReplicaAgent("agent-test", replicator, store, plane, 1 << 14,
                new ConcurrentHashMap<ObjectKey, ObjectCell>(), () -> nowMs[0], 10, feed);
            agent.onStart();

            agent.doWork();
            long first = feed.lastCursor();
            assertThat(first).isGreaterThanOrEqualTo(ReplicaAgent.CHANGES_PER_CYCLE)
                .isLessThan(ReplicaAgent.CHANGES_PER_CYCLE + ReplicaAgent.MESSAGES_PER_POLL * RECORDS_PER_MESSAGE);
            assertThat(plane.acks()).as("the cycle's ack went out").isEqualTo(1);

            List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                CompletableFuture<WriteResult> f = new CompletableFuture<>();
                String key = "local" + i;
                agent.offerWrite((a, now) -> a.submit(new Op.MapPut("mine", key, Value.utf8("x")), AckLevel.LOCAL, 1000, f));
                writes.add(f);
            }
            agent.doWork();
            assertThat(writes.stream().filter(CompletableFuture::isDone).count())
                .isEqualTo(ReplicaAgent.WRITES_PER_CYCLE_WHILE_BEHIND);
            assertThat(plane.acks()).isEqualTo(2);

            for (int cycle = 0; cycle < 20 && (!plane.inbound.isEmpty() || writes.stream().anyMatch(f -> !f.isDone())); cycle++) {
                agent.doWork();
            }
            assertThat(plane.inbound).isEmpty();
            assertThat(writes).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
            assertThat(feed.lastCursor()).isEqualTo(MESSAGES * RECORDS_PER_MESSAGE + 500);
            agent.onClose();
        }
    }
}
