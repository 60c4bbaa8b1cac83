package dev.starling.node.replication;

import com.google.protobuf.ByteString;
import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.Document;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.CrdtDecodeException;
import dev.starling.node.Value;
import dev.starling.node.replication.proto.v1.DeltaAckProto;
import dev.starling.node.replication.proto.v1.DeltasProto;
import dev.starling.node.replication.proto.v1.ReceivePositionsProto;
import dev.starling.node.replication.proto.v1.RelayProto;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The replication protocol of one replica as a sans-I/O state machine: it owns the keyspace (object
 * name and kind to CRDT state), the local delta log's positions and the replication state of every
 * peer; its inputs are local operations, received messages, membership events and ticks, each with
 * the time passed in; its outputs go to {@link Effects} (messages, store writes, changes, write
 * completions). No I/O, no threads, no wall clock; randomness from the injected {@link Random}. Not
 * thread-safe: it belongs to the node's replica agent (or to the simulator's one thread).
 *
 * <p><b>Paths</b> (docs/replication.md):
 * <ol>
 *   <li><em>Eager push.</em> A local write becomes a delta with the HLC and the causal context, is
 *       joined, logged under the next sequence (in the same store step as the state) and pushed to
 *       every alive peer, or above {@code relayAboveMeshSize} to {@code fanOut} random peers that
 *       relay what changed their state [1, §4].</li>
 *   <li><em>Delta-interval acks</em> [1, §8, algorithm 2]: deltas travel as intervals of the sender's
 *       log; the receiver joins them in any order and acks the highest <em>contiguous</em> sequence
 *       it has applied and stored (its receive position, stored with the state). Acks are absolute.
 *       Un-acked intervals are resent; the log is trimmed below the smallest ack of the known peers
 *       (and by the store's bounds). A resend that finds the log trimmed starts anti-entropy.</li>
 *   <li><em>Anti-entropy</em> ({@link AntiEntropy}) over the {@link DigestTree}, periodically, on peer
 *       up and behind. A summary exchange that finds equal roots also moves receive positions up to
 *       the peer's last sequence (everything it had is here), which is how a peer behind a trimmed
 *       log gets its acks moving again.</li>
 *   <li><em>Write acks.</em> {@code local}: completed in the step (the node reports it after the
 *       commit); {@code N}/{@code all}: when enough peers acked a sequence ≥ the write's, or, not
 *       met, at the timeout. A write that misses its level stays and keeps replicating.</li>
 * </ol>
 *
 * <p>[1] P. S. Almeida, A. Shoker, C. Baquero, "Delta State Replicated Data Types", JPDC 2018.
 */
public final class Replicator {

    /** Meta key of the receive positions (one entry: the store's meta cannot be listed by prefix). */
    static final String META_RECEIVE_POSITIONS = "replication/recv";

    private final ReplicatorConfig config;
    private final HybridLogicalClock clock;
    private final DurableState durable;
    private final Random random;
    private final ReplicaId self;
    private final EntryCodec codec;
    private final Keyspace keyspace;
    private final AntiEntropy antiEntropy;
    private final ReplicatorStats.Counters stats = new ReplicatorStats.Counters();
    private final TreeMap<ReplicaId, Peer> peers = new TreeMap<>();
    private final TreeMap<Long, PendingWrite> pending = new TreeMap<>();
    /** Peers owed an ack at the next {@link #flush} (with {@link ReplicatorConfig#coalesceAcks()}), in arrival order. */
    private final java.util.LinkedHashSet<Peer> acksDue = new java.util.LinkedHashSet<>();
    /** With {@link ReplicatorConfig#coalesceAcks()}: records of local writes not yet pushed, from {@link #cycleFromSeq}. */
    private final List<ByteString> cycleRecords = new ArrayList<>();
    private long cycleFromSeq;
    private final List<ReplicaId> aliveScratch = new ArrayList<>();
    /** {@link #alivePeers()}, or null after a change of who is alive. */
    private List<ReplicaId> aliveCache;

    private long lastSeq;
    /** Sequences below this are trimmed (by us; the store may have trimmed more). */
    private long trimmedBefore;
    private long nextAntiEntropyMs = Long.MIN_VALUE;
    private boolean receivePositionsDirty;
    private Hlc storedHighWaterMark;

    /** What we know of one peer. */
    private static final class Peer {
        final ReplicaId id;
        boolean alive;
        /** Whether we track its ack (it holds the log back from trimming). */
        boolean known;
        long ack;
        /** Highest contiguous sequence of its log applied here. */
        long received;
        /** The newest contiguous run of its log applied here above a gap (0, 0: none). */
        long runFrom;
        long runTo;
        /** Its ack of our log's run above a gap (0, 0: none). */
        long ackRunFrom;
        long ackRunTo;
        long resendDueMs = Long.MAX_VALUE;
        /** When we last started an anti-entropy round with it (rounds are at most one per resend interval). */
        long antiEntropyStartedMs = Long.MIN_VALUE;

        Peer(ReplicaId id) {
            this.id = id;
        }
    }

    /** A write waiting for peer acks. */
    private static final class PendingWrite {
        final long writeId;
        final int required;
        /** For {@code all}: the peers that must ack; null for a count. */
        final Set<ReplicaId> requiredPeers;
        final Set<ReplicaId> acked = new HashSet<>();
        final long deadlineMs;

        PendingWrite(long writeId, int required, Set<ReplicaId> requiredPeers, long deadlineMs) {
            this.writeId = writeId;
            this.required = required;
            this.requiredPeers = requiredPeers;
            this.deadlineMs = deadlineMs;
        }
    }

    /**
     * Restores a replica from its committed durable state: objects and their digests, the log's last
     * sequence, peer acks and receive positions, and the clock's high-water mark. Nothing is replayed.
     *
     * @param clock this replica's clock (its replica id must be the store's); restored here
     * @param recovered the committed state; also read later for resends
     * @param random the only source of randomness (peer choice, salts, jitter)
     */
    public Replicator(ReplicatorConfig config, HybridLogicalClock clock, DurableState recovered, Random random) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.durable = Objects.requireNonNull(recovered, "recovered");
        this.random = Objects.requireNonNull(random, "random");
        this.self = recovered.replicaId();
        if (!clock.replica().equals(self)) {
            throw new IllegalArgumentException("clock of " + clock.replica() + " for the store of " + self);
        }
        this.codec = new EntryCodec(config.decodeLimits());
        this.keyspace = new Keyspace(codec, clock);
        this.antiEntropy = new AntiEntropy(config, keyspace, codec, clock, random, stats, new AntiEntropy.Host() {
            @Override
            public void send(ReplicaId peer, int type, byte[] payload, Effects fx) {
                stats.aeBytesSent += payload.length;
                fx.send(peer, type, payload);
            }

            @Override
            public long lastSeq() {
                return lastSeq;
            }

            @Override
            public void rootsEqual(ReplicaId peer, long peerLastSeq, Effects fx) {
                Replicator.this.rootsEqual(peer, peerLastSeq, fx);
            }
        });
        List<String> broken = new ArrayList<>();
        recovered.forEachObject((storeKey, bytes) -> {
            if (!EntryCodec.isEntryKey(storeKey)) {
                return;
            }
            try {
                keyspace.load(bytes);
            } catch (CrdtDecodeException | RuntimeException e) {
                broken.add(storeKey);
            }
        });
        keyspace.finishLoad();
        stats.malformed += broken.size();
        clock.restore(recovered.hlcHighWaterMark());
        storedHighWaterMark = recovered.hlcHighWaterMark();
        lastSeq = recovered.lastDeltaSeq();
        long first = recovered.firstDeltaSeq();
        trimmedBefore = first == 0 ? lastSeq + 1 : first;
        for (Map.Entry<ReplicaId, Long> a : recovered.acks().entrySet()) {
            Peer p = peer(a.getKey());
            p.known = true;
            p.ack = Math.min(a.getValue(), lastSeq);
        }
        byte[] positions = recovered.meta(META_RECEIVE_POSITIONS);
        if (positions != null) {
            try {
                ReceivePositionsProto p = codec.parse(ReceivePositionsProto.parser(), positions);
                for (int i = 0; i < Math.min(p.getReplicasCount(), p.getSeqsCount()); i++) {
                    if (p.getReplicas(i) != 0 && p.getReplicas(i) != self.value()) {
                        Peer peer = peer(new ReplicaId(p.getReplicas(i)));
                        peer.received = p.getSeqs(i);
                        if (i < p.getRunFromsCount() && i < p.getRunTosCount() && p.getRunFroms(i) > peer.received + 1
                                && p.getRunTos(i) >= p.getRunFroms(i)) {
                            peer.runFrom = p.getRunFroms(i);
                            peer.runTo = p.getRunTos(i);
                        }
                    }
                }
            } catch (CrdtDecodeException e) {
                stats.malformed++;
            }
        }
    }

    public ReplicaId replicaId() {
        return self;
    }

    public ReplicatorConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- local writes

    /**
     * Applies a local write: the delta is built with a fresh HLC and the object's causal context,
     * joined, stored with the next log sequence, reported and pushed. For {@link AckLevel#LOCAL}
     * {@link Effects#writeCompleted} is called in this step; otherwise when enough peers acked it
     * or at {@code nowMs + timeoutMs} (not met; with {@code N} larger than the peers alive now it is
     * still waited for, since peers may come up in time).
     *
     * @throws TypeConflictException if the name holds an object of another kind (nothing is written)
     * @throws IllegalArgumentException for a key or value over the decode limits, or a counter total
     *     that would overflow (nothing is written)
     */
    public WriteReceipt submit(Op op, AckLevel level, long timeoutMs, long nowMs, Effects fx)
            throws TypeConflictException {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(level, "level");
        ObjectKey object = op.object();
        if (keyspace.holdsOtherKind(object)) {
            throw new TypeConflictException(object.name(), keyspace.kindsOf(object.name()).iterator().next(), object.kind());
        }
        Hlc hlc = clock.now();
        String key = null;
        Crdt<?> delta;
        if (op instanceof Op.MapPut) {
            Op.MapPut put = (Op.MapPut) op;
            key = checkKey(put.key());
            checkValue(put.value());
            delta = LwwRegister.of(put.value(), hlc);
        } else if (op instanceof Op.MapRemove) {
            key = checkKey(((Op.MapRemove) op).key());
            delta = LwwRegister.<Value>of(null, hlc);
        } else if (op instanceof Op.SetUpdate) {
            delta = setDelta(object, (Op.SetUpdate) op);
        } else if (op instanceof Op.DocUpsert u) {
            key = checkDocId(u.id());
            delta = documentDelta(object, u, hlc, nowMs, fx);
        } else if (op instanceof Op.DocDelete d) {
            key = checkDocId(d.id());
            Document<Value> doc = collection(object).document(key);
            delta = doc == null ? Document.<Value>empty() : doc.deleteDelta();
        } else if (op instanceof Op.CounterAdd) {
            PnCounter c = (PnCounter) keyspace.state(object);
            delta = (c == null ? PnCounter.empty() : c).updateDelta(self, ((Op.CounterAdd) op).amount());
        } else {
            Op.RegisterWrite w = (Op.RegisterWrite) op;
            checkValue(w.value());
            @SuppressWarnings("unchecked")
            MvRegister<Value> r = (MvRegister<Value>) keyspace.state(object);
            delta = (r == null ? MvRegister.<Value>empty() : r).writeDelta(hlc, w.value());
        }
        long seq = ++lastSeq;
        byte[] record = codec.encodeRecord(object, key, delta, hlc);
        fx.store().appendDelta(seq, record);
        keyspace.join(object, key, delta, self, hlc, fx);
        List<ReplicaId> alive = alivePeers();
        push(seq, record, alive, nowMs, fx);
        int required;
        if (level.isLocal()) {
            required = 0;
            stats.writesMet++;
            fx.writeCompleted(seq, 0, true);
        } else if (level.all()) {
            required = alive.size();
            if (required == 0) {
                stats.writesMet++;
                fx.writeCompleted(seq, 0, true);
            } else {
                pending.put(seq, new PendingWrite(seq, required, new HashSet<>(alive), nowMs + Math.max(0, timeoutMs)));
            }
        } else {
            required = level.peers();
            pending.put(seq, new PendingWrite(seq, required, null, nowMs + Math.max(0, timeoutMs)));
        }
        endStep(fx);
        return new WriteReceipt(seq, hlc, required);
    }

    private String checkKey(String key) {
        if (EntryCodec.utf8Length(key) > config.decodeLimits().maxKeyBytes()) {
            throw new IllegalArgumentException("key over " + config.decodeLimits().maxKeyBytes() + " bytes");
        }
        return key;
    }

    private String checkDocId(String id) {
        if (id.isEmpty()) {
            throw new IllegalArgumentException("a document id must not be empty");
        }
        return checkKey(id);
    }

    private CollectionState collection(ObjectKey object) {
        CollectionState c = (CollectionState) keyspace.state(object);
        return c == null ? CollectionState.EMPTY : c;
    }

    /**
     * The delta of an upsert, after checking it against the collection's header. If the write sets
     * the header (the collection's first vector, or a new model), the header's own record is
     * logged, joined and pushed first.
     */
    private Document<Value> documentDelta(ObjectKey object, Op.DocUpsert u, Hlc hlc, long nowMs, Effects fx) {
        float[] v = u.vector();
        if (v.length < 1 || v.length > EmbeddingValue.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("a vector must have 1.." + EmbeddingValue.MAX_DIMENSIONS
                + " dimensions: " + v.length);
        }
        if (u.text() != null && EntryCodec.utf8Length(u.text()) > config.decodeLimits().maxValueBytes()) {
            throw new IllegalArgumentException("text over " + config.decodeLimits().maxValueBytes() + " bytes");
        }
        if (u.metadata().size() > config.decodeLimits().maxDotsPerEntry()) {
            throw new IllegalArgumentException("more than " + config.decodeLimits().maxDotsPerEntry() + " metadata keys");
        }
        for (Map.Entry<String, Value> m : u.metadata().entrySet()) {
            checkKey(m.getKey());
            checkValue(m.getValue());
        }
        CollectionState c = collection(object);
        CollectionHeader h = c.header();
        CollectionHeader next = null;
        ModelVersion model;
        if (h.isBottom()) {
            model = new ModelVersion(1, u.modelName() == null ? 0 : u.fingerprint());
            next = CollectionHeader.of(model, u.modelName() == null ? EXTERNAL_MODEL : u.modelName(), v.length, hlc);
        } else if (u.modelName() == null || h.model().fingerprint() == u.fingerprint()) {
            model = h.model();
            if (v.length != h.dimensions()) {
                throw new IllegalArgumentException("collection \"" + object.name() + "\" holds vectors of "
                    + h.dimensions() + " dimensions, not " + v.length);
            }
        } else if (u.mayChangeModel()) {
            model = new ModelVersion(h.model().generation() + 1, u.fingerprint());
            next = CollectionHeader.of(model, u.modelName(), v.length, hlc);
        } else {
            throw new ModelMismatchException(object.name(), modelId(h.modelName(), h.model().fingerprint()),
                modelId(u.modelName(), u.fingerprint()));
        }
        EmbeddingValue e = EmbeddingValue.quantize(model, v);
        if (next != null) {
            long seq = ++lastSeq;
            byte[] record = codec.encodeRecord(object, "", next, hlc);
            fx.store().appendDelta(seq, record);
            keyspace.join(object, "", next, self, hlc, fx);
            push(seq, record, alivePeers(), nowMs, fx);
        }
        Document<Value> doc = c.document(u.id());
        return (doc == null ? Document.<Value>empty() : doc).upsertDelta(self, hlc, e, u.text(), u.metadata());
    }

    /** {@code name@version}, the version being the fingerprint's 16 hex digits. */
    public static String modelId(String name, long fingerprint) {
        return name + "@" + String.format("%016x", fingerprint);
    }

    /** The model name of a collection whose first vector came without one. */
    public static final String EXTERNAL_MODEL = "external";

    private void checkValue(Value value) {
        if (value.length() > config.decodeLimits().maxValueBytes()) {
            throw new IllegalArgumentException("value over " + config.decodeLimits().maxValueBytes() + " bytes");
        }
    }

    /** Removes first, then adds, so an element in both is added; one key-complete delta group. */
    private OrSet<String> setDelta(ObjectKey object, Op.SetUpdate u) {
        @SuppressWarnings("unchecked")
        OrSet<String> s = (OrSet<String>) keyspace.state(object);
        if (s == null) {
            s = OrSet.empty();
        }
        for (String e : u.add()) {
            checkKey(e);
        }
        OrSet<String> delta = null;
        Set<String> adds = new HashSet<>(u.add());
        for (String e : u.remove()) {
            if (!adds.contains(e) && s.contains(e)) {
                OrSet<String> d = s.removeDelta(e);
                delta = delta == null ? d : delta.merge(d);
                s = s.merge(d);
            }
        }
        for (String e : new java.util.LinkedHashSet<>(u.add())) {
            OrSet<String> d = s.addDelta(self, e);
            delta = delta == null ? d : delta.merge(d);
            s = s.merge(d);
        }
        return delta == null ? OrSet.<String>empty() : delta;
    }

    private void push(long seq, byte[] record, List<ReplicaId> alive, long nowMs, Effects fx) {
        if (alive.isEmpty()) {
            return;
        }
        for (ReplicaId a : alive) {
            Peer p = peers.get(a);
            if (p.resendDueMs == Long.MAX_VALUE) {
                p.resendDueMs = nowMs + config.resendIntervalMs();
            }
        }
        if (config.coalesceAcks()) {
            // flush() pushes the cycle's records as one interval per peer
            if (cycleRecords.isEmpty()) {
                cycleFromSeq = seq;
            }
            cycleRecords.add(ByteString.copyFrom(record));
            return;
        }
        byte[] payload = DeltasProto.newBuilder().setFromSeq(seq).setToSeq(seq)
            .addRecords(ByteString.copyFrom(record)).build().toByteArray();
        List<ReplicaId> targets = alive.size() > config.relayAboveMeshSize() ? sample(alive, config.fanOut(), null, null)
            : alive;
        for (ReplicaId t : targets) {
            stats.deltasSent++;
            stats.deltaBytesSent += payload.length;
            fx.send(t, MessageTypes.DELTAS, payload);
        }
    }

    /** Pushes the records of local writes since the last flush, as intervals of the log. */
    private void pushCycle(Effects fx) {
        if (cycleRecords.isEmpty()) {
            return;
        }
        List<ReplicaId> alive = alivePeers();
        if (!alive.isEmpty()) {
            List<ReplicaId> targets = alive.size() > config.relayAboveMeshSize()
                ? sample(alive, config.fanOut(), null, null) : alive;
            int from = 0;
            while (from < cycleRecords.size()) {
                int to = from;
                long bytes = 0;
                while (to < cycleRecords.size() && (to == from || bytes + cycleRecords.get(to).size() + 8 <= config.maxMessageBytes())) {
                    bytes += cycleRecords.get(to).size() + 8;
                    to++;
                }
                byte[] payload = DeltasProto.newBuilder().setFromSeq(cycleFromSeq + from)
                    .setToSeq(cycleFromSeq + to - 1).addAllRecords(cycleRecords.subList(from, to)).build().toByteArray();
                for (ReplicaId t : targets) {
                    stats.deltasSent += to - from;
                    stats.deltaBytesSent += payload.length;
                    fx.send(t, MessageTypes.DELTAS, payload);
                }
                from = to;
            }
        }
        cycleRecords.clear();
    }

    // ---------------------------------------------------------------- messages

    /**
     * Handles a message from a peer. Malformed or hostile input (bad protobuf, bad names, keys over
     * the limits, HLCs beyond the drift bound, counts that do not add up) is counted in
     * {@link #stats()} and ignored; this method never throws.
     */
    public void onMessage(ReplicaId from, int type, byte[] payload, long nowMs, Effects fx) {
        if (from == null || payload == null || from.equals(self) || from.value() == 0) {
            stats.malformed++;
            return;
        }
        try {
            switch (type) {
                case MessageTypes.DELTAS:
                    onDeltas(from, payload, fx);
                    break;
                case MessageTypes.DELTA_ACK:
                    onAck(from, payload, nowMs, fx);
                    break;
                case MessageTypes.RELAY:
                    onRelay(from, payload, fx);
                    break;
                case MessageTypes.AE_SUMMARY:
                    stats.aeBytesReceived += payload.length;
                    antiEntropy.onSummary(from, payload, fx);
                    break;
                case MessageTypes.AE_BUCKETS:
                    stats.aeBytesReceived += payload.length;
                    antiEntropy.onBuckets(from, payload, fx);
                    break;
                case MessageTypes.AE_ENTRIES:
                    stats.aeBytesReceived += payload.length;
                    antiEntropy.onEntries(from, payload, fx);
                    break;
                case MessageTypes.AE_REQUEST:
                    stats.aeBytesReceived += payload.length;
                    antiEntropy.onRequest(from, payload, fx);
                    break;
                default:
                    stats.unknownTypes++;
            }
        } catch (CrdtDecodeException | RuntimeException e) {
            stats.malformed++;
        }
        endStep(fx);
    }

    private void onDeltas(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        DeltasProto p = codec.parse(DeltasProto.parser(), payload);
        long fromSeq = p.getFromSeq();
        if (fromSeq < 1 || p.getToSeq() < fromSeq || p.getToSeq() - fromSeq + 1 != p.getRecordsCount()) {
            throw new CrdtDecodeException("interval " + fromSeq + ".." + p.getToSeq() + " with " + p.getRecordsCount()
                + " records");
        }
        Peer peer = peer(from);
        long before = peer.received;
        long beforeRun = peer.runTo;
        CrdtDecodeException error = null;
        for (int i = 0; i < p.getRecordsCount(); i++) {
            long seq = fromSeq + i;
            stats.deltasReceived++;
            if (seq <= peer.received || (seq >= peer.runFrom && seq <= peer.runTo)) {
                continue;
            }
            byte[] record = p.getRecords(i).toByteArray();
            Applied a;
            try {
                a = applyRecord(from, record, fx);
            } catch (CrdtDecodeException e) {
                error = e;
                break;
            }
            if (a == Applied.REFUSED) {
                break;
            }
            markReceived(peer, seq);
            if (a == Applied.CHANGED) {
                relay(from, from, seq, record, fx);
            }
        }
        if (peer.received != before || peer.runTo != beforeRun) {
            receivePositionsDirty = true;
        }
        sendAck(peer, fx);
        if (error != null) {
            throw error;
        }
    }

    private void onRelay(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        RelayProto p = codec.parse(RelayProto.parser(), payload);
        if (p.getOrigin() == 0 || p.getSeq() < 1) {
            throw new CrdtDecodeException("relay without origin or sequence");
        }
        ReplicaId origin = new ReplicaId(p.getOrigin());
        if (origin.equals(self)) {
            return;
        }
        stats.deltasReceived++;
        Peer peer = peer(origin);
        if (p.getSeq() <= peer.received || (p.getSeq() >= peer.runFrom && p.getSeq() <= peer.runTo)) {
            return;
        }
        byte[] record = p.getRecord().toByteArray();
        Applied a = applyRecord(origin, record, fx);
        if (a == Applied.REFUSED) {
            return;
        }
        long before = peer.received;
        long beforeRun = peer.runTo;
        markReceived(peer, p.getSeq());
        if (peer.received != before || peer.runTo != beforeRun) {
            receivePositionsDirty = true;
            sendAck(peer, fx);
        }
        if (a == Applied.CHANGED) {
            relay(from, origin, p.getSeq(), record, fx);
        }
    }

    private enum Applied { CHANGED, UNCHANGED, REFUSED }

    private Applied applyRecord(ReplicaId origin, byte[] record, Effects fx) throws CrdtDecodeException {
        EntryCodec.Decoded d = codec.decodeRecord(record);
        if (!d.hlc().replica().equals(origin)) {
            throw new CrdtDecodeException("record of " + d.hlc().replica() + " in the log of " + origin);
        }
        Hlc max = Hlc.max(d.hlc(), AntiEntropy.maxHlc(d.state()));
        if (clock.isTooFarAhead(max)) {
            stats.refusedClock++;
            return Applied.REFUSED;
        }
        clock.observe(max);
        return keyspace.join(d.object(), d.key(), d.state(), origin, d.hlc(), fx) ? Applied.CHANGED : Applied.UNCHANGED;
    }

    /** Above the relay mesh size, forwards a record that changed our state to fanOut random peers. */
    private void relay(ReplicaId from, ReplicaId origin, long seq, byte[] record, Effects fx) {
        List<ReplicaId> alive = alivePeers();
        if (alive.size() <= config.relayAboveMeshSize()) {
            return;
        }
        byte[] payload = null;
        for (ReplicaId t : sample(alive, config.fanOut(), from, origin)) {
            if (payload == null) {
                payload = RelayProto.newBuilder().setOrigin(origin.value()).setSeq(seq)
                    .setRecord(ByteString.copyFrom(record)).build().toByteArray();
            }
            stats.relays++;
            stats.deltaBytesSent += payload.length;
            fx.send(t, MessageTypes.RELAY, payload);
        }
    }

    /**
     * Records that {@code seq} of the peer's log was applied here: it extends the contiguous prefix,
     * or the newest run above the gap (an older, separate run is forgotten: it is only a shortcut
     * for acks, never needed for correctness). A run the prefix reaches is folded into it.
     */
    private static void markReceived(Peer p, long seq) {
        if (seq <= p.received) {
            return;
        }
        if (seq == p.received + 1) {
            p.received = seq;
        } else if (p.runTo != 0 && seq == p.runTo + 1) {
            p.runTo = seq;
        } else if (p.runTo != 0 && seq == p.runFrom - 1) {
            p.runFrom = seq;
        } else if (p.runTo == 0 || seq > p.runTo + 1) {
            p.runFrom = seq;
            p.runTo = seq;
        }
        if (p.runTo != 0 && p.received + 1 >= p.runFrom) {
            p.received = Math.max(p.received, p.runTo);
            p.runFrom = 0;
            p.runTo = 0;
        }
    }

    private void sendAck(Peer p, Effects fx) {
        if (config.coalesceAcks()) {
            acksDue.add(p);
            return;
        }
        sendAckNow(p, fx);
    }

    private void sendAckNow(Peer p, Effects fx) {
        DeltaAckProto.Builder b = DeltaAckProto.newBuilder().setSeq(p.received);
        if (p.runTo != 0) {
            b.setRunFrom(p.runFrom).setRunTo(p.runTo);
        }
        fx.send(p.id, MessageTypes.DELTA_ACK, b.build().toByteArray());
    }

    private void onAck(ReplicaId from, byte[] payload, long nowMs, Effects fx) throws CrdtDecodeException {
        DeltaAckProto ack = codec.parse(DeltaAckProto.parser(), payload);
        long seq = ack.getSeq();
        if (seq < 0 || seq > lastSeq) {
            throw new CrdtDecodeException("ack of " + Long.toUnsignedString(seq) + ", beyond the last sequence " + lastSeq);
        }
        long runFrom = ack.getRunFrom();
        long runTo = ack.getRunTo();
        if ((runFrom != 0 || runTo != 0) && (runFrom <= seq + 1 || runTo < runFrom || runTo > lastSeq)) {
            throw new CrdtDecodeException("ack run " + runFrom + ".." + runTo + " after " + seq);
        }
        stats.acksReceived++;
        Peer p = peer(from);
        long before = effectiveAck(p);
        if (!p.known || p.ack != seq) {
            p.known = true;
            p.ack = seq;
            fx.store().putAck(from, seq);
        }
        p.ackRunFrom = runFrom;
        p.ackRunTo = runTo;
        long after = effectiveAck(p);
        if (after >= lastSeq) {
            p.resendDueMs = Long.MAX_VALUE;
        } else if (after > before) {
            // The peer is alive and catching up: what it has not acked yet is probably on its way or
            // in its queue. Resend only when its ack stops moving for a whole interval (as TCP
            // restarts its retransmission timer on every new ack); resending the whole un-acked
            // window every interval under load duplicated most of the traffic.
            p.resendDueMs = nowMs + config.resendIntervalMs();
        }
        List<PendingWrite> acked = new ArrayList<>(pending.headMap(seq, true).values());
        if (runTo != 0) {
            acked.addAll(pending.subMap(runFrom, true, runTo, true).values());
        }
        for (PendingWrite w : acked) {
            if (w.requiredPeers == null || w.requiredPeers.contains(from)) {
                w.acked.add(from);
                if (w.acked.size() >= w.required) {
                    pending.remove(w.writeId);
                    stats.writesMet++;
                    fx.writeCompleted(w.writeId, w.acked.size(), true);
                }
            }
        }
        trim(fx);
    }

    private void rootsEqual(ReplicaId peerId, long peerLastSeq, Effects fx) {
        Peer p = peer(peerId);
        if (peerLastSeq > p.received) {
            p.received = peerLastSeq;
            if (p.runTo != 0 && p.received + 1 >= p.runFrom) {
                p.received = Math.max(p.received, p.runTo);
                p.runFrom = 0;
                p.runTo = 0;
            }
            receivePositionsDirty = true;
        }
        // always: the peer may hold an older ack of ours (acks get lost), and equal roots are the
        // moment it can learn that we have everything it had
        sendAck(p, fx);
    }

    /** The first sequence still in the committed log (the store may have trimmed it by its bounds). */
    private long firstRetained() {
        long first = durable.firstDeltaSeq();
        return first == 0 ? durable.lastDeltaSeq() + 1 : first;
    }

    /**
     * How far the peer has our log, for resends and trims: its contiguous ack, or the end of its run
     * above the gap when the gap is no longer in our log (it can only be repaired by anti-entropy).
     */
    private long effectiveAck(Peer p) {
        return p.ackRunTo != 0 && p.ackRunFrom <= firstRetained() ? Math.max(p.ack, p.ackRunTo) : p.ack;
    }

    /** Trims the log below the smallest ack of the known peers (nothing while no peer is known). */
    private void trim(Effects fx) {
        long min = Long.MAX_VALUE;
        for (Peer p : peers.values()) {
            if (p.known) {
                min = Math.min(min, effectiveAck(p));
            }
        }
        if (min != Long.MAX_VALUE && min + 1 > trimmedBefore) {
            trimmedBefore = min + 1;
            fx.store().trimDeltasBefore(trimmedBefore);
        }
    }

    // ---------------------------------------------------------------- membership

    /** Membership shows {@code peer} alive: it starts being pushed to, resent to, and gets anti-entropy at once. */
    public void onPeerUp(ReplicaId peer, long nowMs, Effects fx) {
        if (peer.equals(self)) {
            return;
        }
        Peer p = peer(peer);
        p.alive = true;
        aliveCache = null;
        if (!p.known) {
            p.known = true;
            p.ack = 0;
            fx.store().putAck(peer, 0);
        }
        if (self.compareTo(peer) < 0) {
            startAntiEntropy(p, nowMs, fx);
        } else {
            // both sides see each other come up: the smaller id starts the round, the larger waits
            // one resend interval before a round of its own (a resend gap would start one at once)
            p.antiEntropyStartedMs = nowMs;
        }
        if (effectiveAck(p) < lastSeq) {
            resend(p, nowMs, fx);
        }
        endStep(fx);
    }

    /** Membership shows {@code peer} suspect or dead: no pushes or resends until it is up again. */
    public void onPeerDown(ReplicaId peer, long nowMs, Effects fx) {
        Peer p = peers.get(peer);
        if (p != null) {
            p.alive = false;
            aliveCache = null;
        }
        endStep(fx);
    }

    /**
     * {@code peer} left for good: its ack no longer holds the log back and its positions are
     * forgotten. Pending {@code all} writes that were waiting for it will time out as not met.
     */
    public void onPeerRemoved(ReplicaId peer, long nowMs, Effects fx) {
        Peer p = peers.remove(peer);
        aliveCache = null;
        if (p != null) {
            if (p.known) {
                fx.store().deleteAck(peer);
            }
            receivePositionsDirty = true;
            trim(fx);
        }
        endStep(fx);
    }

    /** The transport may have lost messages to {@code peer}: resend now and start anti-entropy. */
    public void onPeerBehind(ReplicaId peer, long nowMs, Effects fx) {
        Peer p = peers.get(peer);
        if (p != null && p.alive) {
            if (effectiveAck(p) < lastSeq) {
                resend(p, nowMs, fx);
            }
            startAntiEntropy(p, nowMs, fx);
        }
        endStep(fx);
    }

    // ---------------------------------------------------------------- time

    /** Resends what is due, starts the periodic anti-entropy round, and times out pending writes. */
    public void tick(long nowMs, Effects fx) {
        Iterator<PendingWrite> it = pending.values().iterator();
        while (it.hasNext()) {
            PendingWrite w = it.next();
            if (w.deadlineMs <= nowMs) {
                it.remove();
                stats.writesNotMet++;
                fx.writeCompleted(w.writeId, w.acked.size(), false);
            }
        }
        long firstRetained = firstRetained();
        for (Peer p : peers.values()) {
            if (!p.alive) {
                continue;
            }
            if (effectiveAck(p) < lastSeq && p.resendDueMs <= nowMs) {
                resend(p, nowMs, fx);
            } else if (p.ack + 1 < firstRetained && p.ack < lastSeq) {
                // it holds our newest records but misses some we no longer have: anti-entropy (at
                // most one round per resend interval) until equal roots move its position
                startAntiEntropy(p, nowMs, fx);
            }
        }
        if (nowMs >= nextAntiEntropyMs) {
            long interval = config.antiEntropyIntervalMs();
            nextAntiEntropyMs = nowMs + interval / 2 + (long) (random.nextDouble() * interval);
            List<ReplicaId> alive = alivePeers();
            if (!alive.isEmpty()) {
                startAntiEntropy(peers.get(alive.get(random.nextInt(alive.size()))), nowMs, fx);
            }
        }
        endStep(fx);
    }

    /** The earliest time at which {@link #tick} has something to do. */
    public long nextTickDeadlineMs() {
        long next = nextAntiEntropyMs;
        for (Peer p : peers.values()) {
            if (p.alive && p.ack < lastSeq) {
                next = Math.min(next, p.resendDueMs);
            }
        }
        for (PendingWrite w : pending.values()) {
            next = Math.min(next, w.deadlineMs);
        }
        return next;
    }

    /** Sends the peer's un-acked interval from the committed log, batched; a gap starts anti-entropy. */
    private void resend(Peer p, long nowMs, Effects fx) {
        stats.resends++;
        p.resendDueMs = nowMs + config.resendIntervalMs();
        long from = effectiveAck(p) + 1;
        ResendBatcher b = new ResendBatcher(p.id, from, fx);
        durable.forEachDelta(from, b);
        b.flush();
        if (b.gap || (b.visited == 0 && from <= durable.lastDeltaSeq()) || p.ack + 1 < firstRetained()) {
            startAntiEntropy(p, nowMs, fx);
        }
    }

    private void startAntiEntropy(Peer p, long nowMs, Effects fx) {
        if (p.antiEntropyStartedMs != Long.MIN_VALUE && nowMs - p.antiEntropyStartedMs < config.resendIntervalMs()) {
            return;
        }
        p.antiEntropyStartedMs = nowMs;
        antiEntropy.start(p.id, fx);
    }

    private final class ResendBatcher implements dev.starling.node.store.Store.DeltaVisitor {
        final ReplicaId peer;
        final Effects fx;
        long expected;
        long batchFrom;
        final List<ByteString> records = new ArrayList<>();
        int bytes;
        int messages;
        long visited;
        boolean gap;

        ResendBatcher(ReplicaId peer, long from, Effects fx) {
            this.peer = peer;
            this.expected = from;
            this.batchFrom = from;
            this.fx = fx;
        }

        @Override
        public boolean visit(long seq, byte[] delta) {
            visited++;
            if (seq != expected) {
                gap = true;
                flush();
                if (messages >= config.maxDeltaBatchMessages()) {
                    return false;
                }
                batchFrom = seq;
            }
            if (!records.isEmpty() && bytes + delta.length + 8 > config.maxMessageBytes()) {
                flush();
                if (messages >= config.maxDeltaBatchMessages()) {
                    return false;
                }
                batchFrom = seq;
            }
            records.add(ByteString.copyFrom(delta));
            bytes += delta.length + 8;
            expected = seq + 1;
            return true;
        }

        void flush() {
            if (records.isEmpty()) {
                return;
            }
            byte[] payload = DeltasProto.newBuilder().setFromSeq(batchFrom).setToSeq(batchFrom + records.size() - 1)
                .addAllRecords(records).build().toByteArray();
            stats.deltasSent += records.size();
            stats.deltaBytesSent += payload.length;
            fx.send(peer, MessageTypes.DELTAS, payload);
            messages++;
            records.clear();
            bytes = 0;
        }
    }

    // ---------------------------------------------------------------- reads

    /** The state of an object (for a map, the whole {@code LwwMap<String, Value>}), or null. */
    public Crdt<?> state(ObjectKey key) {
        return keyspace.state(key);
    }

    /** The kinds {@code name} holds: usually none or one; two or more after concurrent creation. */
    public Set<ObjectKind> kindsOf(String name) {
        return keyspace.kindsOf(name);
    }

    /** The kind of {@code name} (the lowest tag if it holds several), or null. */
    public ObjectKind kindOf(String name) {
        Set<ObjectKind> k = keyspace.kindsOf(name);
        return k.isEmpty() ? null : k.iterator().next();
    }

    /** Every object, unmodifiable (a view: do not keep it across steps). */
    public Set<ObjectKey> objects() {
        return keyspace.objects();
    }

    public Digest digest() {
        DigestTree t = keyspace.tree();
        return new Digest(Digest.hex(t.rootHi(), t.rootLo()), t.size(), keyspace.objectCount());
    }

    public ReplicatorStats stats() {
        return stats.snapshot();
    }

    /** The last sequence of the local delta log (the id of the newest local write). */
    public long lastSeq() {
        return lastSeq;
    }

    /** Peers and their positions, for metrics: peer -> {ack, received}. */
    public Map<ReplicaId, long[]> peerPositions() {
        Map<ReplicaId, long[]> m = new TreeMap<>();
        for (Peer p : peers.values()) {
            m.put(p.id, new long[] {p.ack, p.received});
        }
        return Collections.unmodifiableMap(m);
    }

    /** Number of writes waiting for peer acks. */
    public int pendingWrites() {
        return pending.size();
    }

    // ---------------------------------------------------------------- helpers

    private Peer peer(ReplicaId id) {
        Peer p = peers.get(id);
        if (p == null) {
            p = new Peer(id);
            peers.put(id, p);
        }
        return p;
    }

    /** The alive peers in id order, unmodifiable; cached until a peer comes up, goes down or is removed. */
    private List<ReplicaId> alivePeers() {
        List<ReplicaId> alive = aliveCache;
        if (alive == null) {
            List<ReplicaId> list = new ArrayList<>();
            for (Peer p : peers.values()) {
                if (p.alive) {
                    list.add(p.id);
                }
            }
            alive = Collections.unmodifiableList(list);
            aliveCache = alive;
        }
        return alive;
    }

    private List<ReplicaId> sample(List<ReplicaId> from, int n, ReplicaId not1, ReplicaId not2) {
        aliveScratch.clear();
        for (ReplicaId r : from) {
            if (!r.equals(not1) && !r.equals(not2)) {
                aliveScratch.add(r);
            }
        }
        Collections.shuffle(aliveScratch, random);
        return new ArrayList<>(aliveScratch.subList(0, Math.min(n, aliveScratch.size())));
    }

    /** Stores what the step changed besides entries: receive positions and the clock's high-water mark. */
    /**
     * With {@link ReplicatorConfig#coalesceAcks()}: sends one ack to every peer that sent us records
     * since the last flush and stores the receive positions once. The caller commits the store
     * writes before it sends the acks, as for every step. Without it, there is nothing to do.
     */
    public void flush(long nowMs, Effects fx) {
        if (!config.coalesceAcks()) {
            return;
        }
        pushCycle(fx);
        for (Peer p : acksDue) {
            sendAckNow(p, fx);
        }
        acksDue.clear();
        storePositionsAndClock(fx);
    }

    private void endStep(Effects fx) {
        if (config.coalesceAcks()) {
            return; // flush() stores positions and the clock with the acks
        }
        storePositionsAndClock(fx);
    }

    private void storePositionsAndClock(Effects fx) {
        if (receivePositionsDirty) {
            receivePositionsDirty = false;
            ReceivePositionsProto.Builder b = ReceivePositionsProto.newBuilder();
            for (Peer p : peers.values()) {
                if (p.received > 0 || p.runTo > 0) {
                    b.addReplicas(p.id.value()).addSeqs(p.received).addRunFroms(p.runFrom).addRunTos(p.runTo);
                }
            }
            fx.store().putMeta(META_RECEIVE_POSITIONS, b.build().toByteArray());
        }
        Hlc hwm = clock.highWaterMark();
        if (hwm != null && !hwm.equals(storedHighWaterMark)) {
            storedHighWaterMark = hwm;
            fx.store().putHlcHighWaterMark(hwm);
        }
    }
}
