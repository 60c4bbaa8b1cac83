package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.Value;
import dev.starling.node.replication.sim.MemoryStore;
import dev.starling.node.replication.sim.StepEffects;
import dev.starling.node.store.Batch;
import dev.starling.node.store.Store;
import dev.starling.node.store.StoreConfig;
import dev.starling.node.store.SyncPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicator on the real LMDB store: a restart restores state, digests, positions and the clock. */
class LmdbRestartTest {

    private static final StoreConfig CONFIG = StoreConfig.local().toBuilder().syncPolicy(SyncPolicy.NONE).build();

    @TempDir
    Path dir;

    private long nowMs = 1_700_000_000_000L;

    private final List<StepEffects.Sent> toPeer = new ArrayList<>();

    private void step(Store store, Consumer<StepEffects> action) {
        Batch batch = store.batch();
        StepEffects fx = new StepEffects(batch);
        action.accept(fx);
        batch.commit();
        toPeer.addAll(fx.sent);
    }

    private Replicator open(Store store) {
        HybridLogicalClock clock = new HybridLogicalClock(store.replicaId(), () -> nowMs, 60_000);
        return new Replicator(ReplicatorConfig.local(), clock, store, new Random(1));
    }

    @Test
    void shouldRestoreEverythingFromTheStoreAndContinue() throws Exception {
        ReplicaId peerId = new ReplicaId(0xBEEF);
        MemoryStore peerStore = new MemoryStore(peerId, 1000);
        Replicator peer = new Replicator(ReplicatorConfig.local(), new HybridLogicalClock(peerId, () -> nowMs, 60_000),
            peerStore, new Random(2));
        Digest digest;
        long lastSeq;
        ReplicaId self;
        try (Store store = Store.open(dir, CONFIG, new Random(3))) {
            self = store.replicaId();
            Replicator r = open(store);
            step(store, fx -> r.onPeerUp(peerId, nowMs, fx));
            for (int i = 0; i < 100; i++) {
                int n = i;
                step(store, fx -> submit(r, new Op.MapPut("m", "key-" + n, Value.utf8("v" + n)), fx));
            }
            step(store, fx -> submit(r, new Op.SetUpdate("s", List.of("a", "b"), List.of()), fx));
            step(store, fx -> submit(r, new Op.CounterAdd("c", 9), fx));
            // the peer acks everything, and sends one write of its own
            MemoryStore.Step ps = peerStore.begin();
            StepEffects pfx = new StepEffects(ps);
            peer.onPeerUp(self, nowMs, pfx);
            for (StepEffects.Sent m : toPeer) {
                if (m.type() == MessageTypes.DELTAS) {
                    peer.onMessage(self, m.type(), m.payload(), nowMs, pfx);
                }
            }
            peer.submit(new Op.MapPut("m", "from-peer", Value.utf8("x")), AckLevel.LOCAL, 0, nowMs, pfx);
            ps.commit();
            for (StepEffects.Sent m : pfx.sent) {
                if (m.to().equals(self) && (m.type() == MessageTypes.DELTAS || m.type() == MessageTypes.DELTA_ACK)) {
                    step(store, fx -> r.onMessage(peerId, m.type(), m.payload(), nowMs, fx));
                }
            }
            digest = r.digest();
            lastSeq = r.lastSeq();
            assertThat(store.acks()).containsEntry(peerId, 102L);
            assertThat(r.peerPositions().get(peerId)[1]).isEqualTo(1);
        }
        nowMs -= 10_000; // the wall clock stepped back while the node was down
        try (Store store = Store.open(dir, CONFIG)) {
            Replicator r = open(store);
            assertThat(r.replicaId()).isEqualTo(self);
            assertThat(r.digest()).isEqualTo(digest);
            assertThat(r.lastSeq()).isEqualTo(lastSeq);
            assertThat(r.peerPositions().get(peerId)).containsExactly(102, 1);
            @SuppressWarnings("unchecked")
            LwwMap<String, Value> m = (LwwMap<String, Value>) r.state(new ObjectKey(ObjectKind.MAP, "m"));
            assertThat(m.size()).isEqualTo(101);
            assertThat(((PnCounter) r.state(new ObjectKey(ObjectKind.COUNTER, "c"))).value()).isEqualTo(9);
            WriteReceipt[] w = new WriteReceipt[1];
            step(store, fx -> w[0] = submit(r, new Op.SetUpdate("s", List.of("c"), List.of("a")), fx));
            assertThat(w[0].writeId()).isEqualTo(lastSeq + 1);
            assertThat(w[0].hlc().compareTo(new dev.starling.crdt.Hlc(nowMs + 10_000, 0, self))).isPositive();
            @SuppressWarnings("unchecked")
            OrSet<String> s = (OrSet<String>) r.state(new ObjectKey(ObjectKind.SET, "s"));
            assertThat(s.sortedElements()).containsExactly("b", "c");
        }
    }

    private static WriteReceipt submit(Replicator r, Op op, StepEffects fx) {
        try {
            return r.submit(op, AckLevel.LOCAL, 0, 0, fx);
        } catch (TypeConflictException e) {
            throw new IllegalStateException(e);
        }
    }
}
