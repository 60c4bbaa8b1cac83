package dev.starling.node.replication.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.CrdtCodec;
import dev.starling.crdt.codec.CrdtDecodeException;
import dev.starling.crdt.codec.DecodeLimits;
import dev.starling.crdt.codec.StoreCodec;
import dev.starling.node.Value;
import dev.starling.node.ValueCodecs;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.Effects;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.replication.Op;
import dev.starling.node.replication.Replicator;
import dev.starling.node.replication.ReplicatorConfig;
import dev.starling.node.replication.ReplicatorStats;
import dev.starling.node.replication.StateWriter;
import dev.starling.node.replication.TypeConflictException;
import dev.starling.node.replication.WriteReceipt;
import dev.starling.node.replication.proto.v1.DeltaRecordProto;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Deterministic simulation of the replication protocol: N replicas in one thread, a simulated network
 * (loss, duplication, delay and so reordering, partitions and their heal), crashes (between steps, and
 * in the middle of a step, which loses exactly that step's writes) and restarts from the committed
 * in-memory store, virtual time, and a random workload over every kind of object with random ack
 * levels. Everything is drawn from one seed, so a failing run replays exactly.
 *
 * <p>After the last step every partition heals, crashed replicas restart, the network stops losing,
 * and the simulation runs until quiet; then it checks: every digest equal, every state equal, and
 * equal to the reference: for maps, per key the committed write with the highest HLC; for counters,
 * the sum of every committed increment; for sets and registers, the join of every committed delta
 * (so no committed write, acknowledged or not, is lost or changed).
 */
public final class Simulation {

    /** What one run does; {@link #replayCommand()} names all of it. */
    public record Params(long seed, int replicas, int steps, double loss, double duplication, long maxDelayMs,
            double faultRate, double midStepCrash) {

        public String replayCommand() {
            return "mvn -B -ntp -pl mesh-node -am test -Dtest=SimulationTest#replay -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dsim.seed=" + seed + " -Dsim.replicas=" + replicas + " -Dsim.steps=" + steps + " -Dsim.loss=" + loss
                + " -Dsim.dup=" + duplication + " -Dsim.delay=" + maxDelayMs + " -Dsim.faults=" + faultRate
                + " -Dsim.midStepCrash=" + midStepCrash;
        }
    }

    /** What a run did. */
    public record Result(long steps, long settleSteps, long messagesDelivered, long messagesDropped, long writes,
            long writesLostInCrash, long crashes, long partitions, long acksMet, long acksNotMet, long aeBytes,
            long elapsedNs) {

        public double stepsPerSecond() {
            return (steps + settleSteps) / (elapsedNs / 1e9);
        }
    }

    private record InFlight(long atMs, long order, int from, int to, int type, byte[] payload) {
    }

    private final class Node {
        final int index;
        final ReplicaId id;
        final MemoryStore store;
        final long skewMs;
        HybridLogicalClock clock;
        Replicator replicator;
        boolean[] sees;

        Node(int index) {
            this.index = index;
            this.id = new ReplicaId(random.nextLong() | 1);
            this.store = new MemoryStore(id, 40 + random.nextInt(200));
            this.skewMs = random.nextInt(101) - 50;
            this.sees = new boolean[params.replicas()];
            start();
        }

        void start() {
            clock = new HybridLogicalClock(id, () -> nowMs + skewMs, 60_000);
            replicator = new Replicator(config, clock, store, new Random(random.nextLong()));
            sees = new boolean[params.replicas()];
        }

        boolean up() {
            return replicator != null;
        }
    }

    private final Params params;
    private final Random random;
    private final ReplicatorConfig config;
    private final Node[] nodes;
    private final PriorityQueue<InFlight> network = new PriorityQueue<>(
        (a, b) -> a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.order, b.order));
    private final int[] group;
    private final CrdtCodec<Value, DotSet> crdts = new CrdtCodec<>(ValueCodecs.bytes(), StoreCodec.dotSet(DecodeLimits.DEFAULT),
        DecodeLimits.DEFAULT);
    private long nowMs = 1_700_000_000_000L;
    private long order;
    private boolean lossy = true;

    // reference model
    private final Map<String, Hlc> mapWinner = new HashMap<>();
    private final Map<String, Value> mapValue = new HashMap<>();
    private final Map<ObjectKey, Long> counterSum = new HashMap<>();
    private final Map<ObjectKey, Crdt<?>> joined = new HashMap<>();
    private final Set<ObjectKey> created = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));

    private long delivered;
    private long dropped;
    private long writes;
    private long lostInCrash;
    private long crashes;
    private long partitions;
    private long acksMet;
    private long acksNotMet;

    public Simulation(Params params) {
        this.params = params;
        this.random = new Random(params.seed());
        this.config = ReplicatorConfig.local().toBuilder().resendIntervalMs(100).antiEntropyIntervalMs(500)
            .relayAboveMeshSize(Math.max(3, params.replicas() - 3)).fanOut(2).maxMessageBytes(8192)
            // odd seeds run the node's mode: acks and positions once per step, in flush()
            .coalesceAcks((params.seed() & 1) == 1).build();
        this.nodes = new Node[params.replicas()];
        this.group = new int[params.replicas()];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new Node(i);
        }
        updateMembership();
    }

    /** Runs the schedule, heals, settles and checks; throws {@link AssertionError} with the replay command. */
    public Result run() {
        long t0 = System.nanoTime();
        long settle;
        try {
            for (int s = 0; s < params.steps(); s++) {
                step();
            }
            settle = settle();
            check();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation failed: " + e.getMessage() + "\n  replay: " + params.replayCommand(), e);
        }
        long aeBytes = 0;
        for (Node n : nodes) {
            aeBytes += n.replicator.stats().aeBytesSent();
        }
        return new Result(params.steps(), settle, delivered, dropped, writes, lostInCrash, crashes, partitions, acksMet,
            acksNotMet, aeBytes, System.nanoTime() - t0);
    }

    // ---------------------------------------------------------------- the schedule

    /**
     * One step: the delivery of one message that is due, or else (time moves on by 0-3 ms) a client
     * write, a tick of one replica, or a fault.
     */
    private void step() {
        InFlight m = network.peek();
        if (m != null && m.atMs <= nowMs) {
            deliver(network.poll());
            return;
        }
        nowMs += random.nextInt(4);
        double r = random.nextDouble();
        if (r < 0.55) {
            write(nodes[random.nextInt(nodes.length)]);
        } else if (r < 1 - params.faultRate()) {
            Node n = nodes[random.nextInt(nodes.length)];
            if (n.up()) {
                run(n, fx -> n.replicator.tick(nowMs, fx));
            }
        } else {
            fault();
        }
    }

    private void fault() {
        int kind = random.nextInt(5);
        Node n = nodes[random.nextInt(nodes.length)];
        switch (kind) {
            case 0: // a random split
                partitions++;
                for (int i = 0; i < group.length; i++) {
                    group[i] = random.nextInt(2);
                }
                break;
            case 1: // heal
                java.util.Arrays.fill(group, 0);
                break;
            case 2: // crash
                if (n.up()) {
                    crashes++;
                    n.replicator = null;
                }
                break;
            case 3: // restart
                if (!n.up()) {
                    n.start();
                }
                break;
            default: // the transport reports a peer behind
                if (n.up()) {
                    Node p = nodes[random.nextInt(nodes.length)];
                    if (p != n && n.sees[p.index]) {
                        run(n, fx -> n.replicator.onPeerBehind(p.id, nowMs, fx));
                    }
                }
        }
        updateMembership();
    }

    /** Membership as an oracle: a replica sees a peer alive when both are up and not partitioned apart. */
    private void updateMembership() {
        for (Node a : nodes) {
            if (!a.up()) {
                continue;
            }
            for (Node b : nodes) {
                if (a == b) {
                    continue;
                }
                boolean alive = b.up() && group[a.index] == group[b.index];
                if (alive != a.sees[b.index]) {
                    a.sees[b.index] = alive;
                    if (alive) {
                        run(a, fx -> a.replicator.onPeerUp(b.id, nowMs, fx));
                    } else {
                        run(a, fx -> a.replicator.onPeerDown(b.id, nowMs, fx));
                    }
                }
            }
        }
    }

    private static final String[] REGISTERS = {"r0", "r1", "r2"};
    private static final ObjectKind[] REGISTER_KINDS = {ObjectKind.REGISTER_LWW, ObjectKind.REGISTER_SIBLINGS,
        ObjectKind.REGISTER_AVERAGE};

    private Op randomOp() {
        int k = random.nextInt(10);
        if (k < 4) {
            String map = "m" + random.nextInt(3);
            String key = "k" + random.nextInt(150);
            if (random.nextInt(6) == 0) {
                return new Op.MapRemove(map, key);
            }
            return new Op.MapPut(map, key, Value.utf8("v" + random.nextInt(1000)));
        }
        if (k < 6) {
            List<String> add = new ArrayList<>();
            List<String> remove = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                add.add("e" + random.nextInt(20));
            }
            for (int i = random.nextInt(3); i > 0; i--) {
                remove.add("e" + random.nextInt(20));
            }
            return new Op.SetUpdate("s" + random.nextInt(2), add, remove);
        }
        if (k < 8) {
            return new Op.CounterAdd("c" + random.nextInt(2), random.nextInt(21) - 10);
        }
        if (k < 9) {
            int r = random.nextInt(3);
            byte[] v = ByteBuffer.allocate(8).putDouble(random.nextInt(100)).array();
            return new Op.RegisterWrite(REGISTER_KINDS[r], REGISTERS[r], Value.wrap(v));
        }
        // the same name used as two kinds: concurrent creation keeps both, a local clash is a 409
        return random.nextBoolean() ? new Op.MapPut("x", "k", Value.utf8("map")) : new Op.CounterAdd("x", 1);
    }

    private AckLevel randomLevel() {
        int k = random.nextInt(4);
        return k == 0 ? AckLevel.LOCAL : k == 1 ? AckLevel.ALL : AckLevel.peers(1 + random.nextInt(nodes.length - 1));
    }

    private void write(Node n) {
        if (!n.up()) {
            return;
        }
        Op op = randomOp();
        AckLevel level = randomLevel();
        boolean crash = random.nextDouble() < params.midStepCrash();
        MemoryStore.Step step = n.store.begin();
        Recorder rec = new Recorder(step);
        WriteReceipt receipt;
        try {
            receipt = n.replicator.submit(op, level, 300, nowMs, rec);
        } catch (TypeConflictException e) {
            receipt = null;
        }
        if (crash) {
            // the process dies before the commit: the step's writes and messages are gone
            step.discard();
            crashes++;
            n.replicator = null;
            if (receipt != null) {
                lostInCrash++;
            }
            updateMembership();
            return;
        }
        step.commit();
        rec.dispatch(n);
        if (receipt != null) {
            writes++;
            model(op, rec.records);
        }
    }

    private void deliver(InFlight m) {
        Node to = nodes[m.to];
        Node from = nodes[m.from];
        if (!to.up() || group[m.from] != group[m.to]) {
            dropped++;
            return;
        }
        delivered++;
        run(to, fx -> to.replicator.onMessage(from.id, m.type, m.payload, nowMs, fx));
    }

    /** One replicator step: run, commit, then send (a peer never sees what is not stored). */
    private void run(Node n, Consumer<Effects> action) {
        MemoryStore.Step step = n.store.begin();
        Recorder rec = new Recorder(step);
        action.accept(rec);
        n.replicator.flush(nowMs, rec);
        step.commit();
        rec.dispatch(n);
    }

    /** Effects that record the step's messages and logged deltas. */
    private final class Recorder implements Effects {
        final MemoryStore.Step step;
        final List<Object[]> sent = new ArrayList<>();
        final List<byte[]> records = new ArrayList<>();
        final StateWriter writer;

        Recorder(MemoryStore.Step step) {
            this.step = step;
            this.writer = new ForwardingWriter(step) {
                @Override
                public StateWriter appendDelta(long seq, byte[] delta) {
                    records.add(delta);
                    return super.appendDelta(seq, delta);
                }
            };
        }

        @Override
        public void send(ReplicaId peer, int type, byte[] payload) {
            sent.add(new Object[] {peer, type, payload});
        }

        @Override
        public StateWriter store() {
            return writer;
        }

        @Override
        public void changed(dev.starling.node.replication.Change change) {
        }

        @Override
        public void writeCompleted(long writeId, int ackedPeers, boolean levelMet) {
            if (levelMet) {
                acksMet++;
            } else {
                acksNotMet++;
            }
        }

        void dispatch(Node from) {
            for (Object[] s : sent) {
                int to = indexOf((ReplicaId) s[0]);
                byte[] payload = (byte[]) s[2];
                if (lossy && random.nextDouble() < params.loss()) {
                    dropped++;
                    continue;
                }
                int copies = lossy && random.nextDouble() < params.duplication() ? 2 : 1;
                for (int c = 0; c < copies; c++) {
                    long delay = 1 + (params.maxDelayMs() <= 1 ? 0 : (long) random.nextInt((int) params.maxDelayMs()));
                    network.add(new InFlight(nowMs + delay, order++, from.index, to, (Integer) s[1], payload));
                }
            }
        }
    }

    private int indexOf(ReplicaId id) {
        for (Node n : nodes) {
            if (n.id.equals(id)) {
                return n.index;
            }
        }
        throw new IllegalStateException("message to unknown replica " + id);
    }

    // ---------------------------------------------------------------- the reference

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void model(Op op, List<byte[]> records) {
        ObjectKey key = op.object();
        created.add(key);
        if (op instanceof Op.CounterAdd) {
            counterSum.merge(key, ((Op.CounterAdd) op).amount(), Long::sum);
        }
        for (byte[] r : records) {
            try {
                DeltaRecordProto p = DeltaRecordProto.parseFrom(r);
                Crdt<?> delta = crdts.decode(p.getDelta().toByteArray());
                if (key.kind() == ObjectKind.MAP) {
                    String mk = key.name() + "/" + p.getKey().toStringUtf8();
                    LwwRegister<Value> reg = (LwwRegister<Value>) delta;
                    Hlc w = mapWinner.get(mk);
                    if (w == null || reg.hlc().isAfter(w)) {
                        mapWinner.put(mk, reg.hlc());
                        mapValue.put(mk, reg.value());
                    }
                } else {
                    Crdt cur = joined.get(key);
                    joined.put(key, cur == null ? delta : (Crdt<?>) cur.merge(delta));
                }
            } catch (InvalidProtocolBufferException | CrdtDecodeException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---------------------------------------------------------------- heal, settle, check

    private long settle() {
        java.util.Arrays.fill(group, 0);
        lossy = false;
        for (Node n : nodes) {
            if (!n.up()) {
                n.start();
            }
        }
        updateMembership();
        long steps = 0;
        long deadline = nowMs + 600_000;
        int quietRounds = 0;
        while (nowMs < deadline) {
            nowMs += 20;
            for (Node n : nodes) {
                run(n, fx -> n.replicator.tick(nowMs, fx));
                steps++;
            }
            while (!network.isEmpty() && network.peek().atMs <= nowMs) {
                deliver(network.poll());
                steps++;
            }
            if (network.isEmpty() && converged()) {
                if (++quietRounds >= 3) {
                    break;
                }
            } else {
                quietRounds = 0;
            }
        }
        return steps;
    }

    private boolean converged() {
        String root = nodes[0].replicator.digest().root();
        for (Node n : nodes) {
            if (!n.replicator.digest().root().equals(root)) {
                return false;
            }
        }
        return true;
    }

    private void check() {
        if (!converged()) {
            StringBuilder sb = new StringBuilder("not converged after the heal:");
            for (Node n : nodes) {
                sb.append("\n  ").append(n.id).append(' ').append(n.replicator.digest()).append(' ')
                    .append(n.replicator.stats());
            }
            throw new AssertionError(sb.toString());
        }
        Replicator first = nodes[0].replicator;
        for (Node n : nodes) {
            ReplicatorStats s = n.replicator.stats();
            if (s.malformed() != 0 || s.refusedClock() != 0) {
                throw new AssertionError(n.id + " counted malformed or refused messages: " + s);
            }
            if (!n.replicator.objects().equals(first.objects())) {
                throw new AssertionError(n.id + " holds objects " + n.replicator.objects() + ", " + nodes[0].id
                    + " holds " + first.objects());
            }
            for (ObjectKey k : first.objects()) {
                if (!n.replicator.state(k).equals(first.state(k))) {
                    throw new AssertionError(k + " differs: " + n.replicator.state(k) + " vs " + first.state(k));
                }
            }
        }
        for (ObjectKey k : created) {
            Crdt<?> state = first.state(k);
            if (state == null) {
                throw new AssertionError("committed write to " + k + " lost: no such object");
            }
            if (k.kind() == ObjectKind.COUNTER) {
                long v = ((PnCounter) state).value();
                if (v != counterSum.get(k)) {
                    throw new AssertionError(k + " = " + v + ", committed increments sum to " + counterSum.get(k));
                }
            } else if (k.kind() != ObjectKind.MAP && !state.equals(joined.get(k))) {
                throw new AssertionError(k + " = " + state + ", the join of its committed deltas is " + joined.get(k));
            }
        }
        for (Map.Entry<String, Hlc> w : mapWinner.entrySet()) {
            int slash = w.getKey().indexOf('/');
            ObjectKey mk = new ObjectKey(ObjectKind.MAP, w.getKey().substring(0, slash));
            LwwRegister<?> reg = ((LwwMap<?, ?>) first.state(mk)).entry(w.getKey().substring(slash + 1));
            if (reg == null || !reg.hlc().equals(w.getValue())
                    || !java.util.Objects.equals(reg.value(), mapValue.get(w.getKey()))) {
                throw new AssertionError(w.getKey() + " = " + reg + ", the committed write with the highest HLC is "
                    + w.getValue() + " " + mapValue.get(w.getKey()));
            }
        }
    }
}
