package dev.starling.node.replication;

import com.google.protobuf.ByteString;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.CrdtDecodeException;
import dev.starling.node.replication.proto.v1.AeBucketsProto;
import dev.starling.node.replication.proto.v1.AeEntriesProto;
import dev.starling.node.replication.proto.v1.AeLevelProto;
import dev.starling.node.replication.proto.v1.AeRequestProto;
import dev.starling.node.replication.proto.v1.AeSummaryProto;
import dev.starling.node.replication.proto.v1.AeWantProto;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.util.TreeMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Anti-entropy: compares two replicas' digest trees ({@link DigestTree}) and exchanges the states of
 * the entries that differ.
 *
 * <p>A round: A sends its root (AE_SUMMARY). If B's root is equal, B answers with its own summary and
 * both are done: one round trip of about 60 bytes. Otherwise B starts a walk with a random salt: it
 * sends the root bucket as it sees it. Each side, receiving buckets, compares them with its own:
 * <ul>
 *   <li>a bucket given by its 16 child sums: every child whose sum differs is answered with that
 *       child as seen here: its entry list when it holds at most {@code aeLeafEntries} entries here
 *       (or is a single key hash), else its own 16 child sums;</li>
 *   <li>a bucket given by its entry list (id, digest): entries here that the list lacks or has
 *       with another digest are sent (AE_ENTRIES, reconcile: the receiver sends back its joined state
 *       where that differs from what it got, so an entry newer on one side crosses once); ids of the
 *       list that are missing here are requested (AE_REQUEST).</li>
 * </ul>
 * Sums, digests and entry ids (a fold of the key hash) travel folded to 16 bits with the round's
 * salt: a walk costs 2 bytes per child and 4 per listed entry, plus 2 to 3 bytes per bucket. A fold
 * collision hides a divergent bucket or entry for that round only (probability about 2^-16 each;
 * the salt changes every round), and rounds repeat until the full 128-bit roots are equal. Nothing is
 * remembered between messages: a lost message ends its branch of the walk, and the next round
 * starts again from the roots.
 *
 * <p>Received states are joined with the general join (never the key-complete fast path), and
 * refused when they carry an HLC beyond the clock's drift bound.
 */
final class AntiEntropy {

    /** What anti-entropy needs from the replicator. */
    interface Host {
        void send(ReplicaId peer, int type, byte[] payload, Effects fx);

        long lastSeq();

        /** A summary exchange found equal roots: the peer had {@code peerLastSeq} and we have it all. */
        void rootsEqual(ReplicaId peer, long peerLastSeq, Effects fx);
    }

    private final ReplicatorConfig config;
    private final Keyspace keyspace;
    private final EntryCodec codec;
    private final HybridLogicalClock clock;
    private final Random random;
    private final ReplicatorStats.Counters stats;
    private final Host host;
    private final long[] hi = new long[16];
    private final long[] lo = new long[16];
    private final long[] n = new long[16];

    AntiEntropy(ReplicatorConfig config, Keyspace keyspace, EntryCodec codec, HybridLogicalClock clock, Random random,
            ReplicatorStats.Counters stats, Host host) {
        this.config = config;
        this.keyspace = keyspace;
        this.codec = codec;
        this.clock = clock;
        this.random = random;
        this.stats = stats;
        this.host = host;
    }

    /** Starts a round with {@code peer}. */
    void start(ReplicaId peer, Effects fx) {
        stats.aeRounds++;
        host.send(peer, MessageTypes.AE_SUMMARY, summary(false), fx);
    }

    private byte[] summary(boolean reply) {
        DigestTree t = keyspace.tree();
        return AeSummaryProto.newBuilder().setRootHi(t.rootHi()).setRootLo(t.rootLo()).setEntries(t.size())
            .setLastSeq(host.lastSeq()).setReply(reply).build().toByteArray();
    }

    void onSummary(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        AeSummaryProto p = codec.parse(AeSummaryProto.parser(), payload);
        DigestTree t = keyspace.tree();
        boolean equal = p.getRootHi() == t.rootHi() && p.getRootLo() == t.rootLo();
        if (equal) {
            stats.aeEqualRounds++;
            host.rootsEqual(from, p.getLastSeq(), fx);
            if (!p.getReply()) {
                host.send(from, MessageTypes.AE_SUMMARY, summary(true), fx);
            }
        } else if (!p.getReply()) {
            Outbox out = new Outbox(from, random.nextLong(), fx);
            describe(0, 0, out);
            out.flush();
        }
    }

    void onBuckets(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        AeBucketsProto p = codec.parse(AeBucketsProto.parser(), payload);
        Outbox out = new Outbox(from, p.getSalt(), fx);
        try {
            for (AeLevelProto level : p.getLevelsList()) {
                int depth = level.getDepth();
                CodedInputStream body = level.getBody().newCodedInput();
                long prefix = 0;
                for (int i = 0; i < level.getPrefixDeltasCount(); i++) {
                    prefix += level.getPrefixDeltas(i);
                    if (!DigestTree.validBucket(depth, prefix)) {
                        throw new CrdtDecodeException("no bucket at depth " + depth + " prefix " + Long.toHexString(prefix));
                    }
                    int tag = body.readUInt32();
                    if (tag == 0) {
                        compareSums(depth, prefix, body.readRawBytes(32), out);
                    } else {
                        int n = tag - 1;
                        if (n < 0 || n > MAX_LIST_ENTRIES) {
                            throw new CrdtDecodeException("entry list of " + Integer.toUnsignedString(n) + " entries");
                        }
                        compareList(depth, prefix, body.readRawBytes(4 * n), out);
                    }
                }
                if (!body.isAtEnd()) {
                    throw new CrdtDecodeException("bucket body longer than its buckets");
                }
            }
        } catch (IOException e) {
            throw new CrdtDecodeException("truncated bucket body", e);
        } finally {
            out.flush();
        }
    }

    void onRequest(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        AeRequestProto p = codec.parse(AeRequestProto.parser(), payload);
        long wanted = 0;
        for (AeWantProto w : p.getWantsList()) {
            wanted += w.getIds().size() / 2;
        }
        if (wanted > config.maxAeRequestHashes()) {
            throw new CrdtDecodeException("request for " + wanted + " entries, over " + config.maxAeRequestHashes());
        }
        Outbox out = new Outbox(from, p.getSalt(), fx);
        try {
            for (AeWantProto w : p.getWantsList()) {
                int depth = w.getDepth();
                long prefix = w.getPrefix();
                if (!DigestTree.validBucket(depth, prefix) || w.getIds().size() % 2 != 0) {
                    throw new CrdtDecodeException("bad request bucket");
                }
                Map<Integer, List<DigestTree.Entry>> mine = byId(depth, prefix, out.salt);
                ByteString ids = w.getIds();
                for (int i = 0; i < ids.size(); i += 2) {
                    List<DigestTree.Entry> es = mine.get(readShort(ids, i));
                    if (es != null) {
                        for (DigestTree.Entry e : es) {
                            out.entry(e, false);
                        }
                    }
                }
            }
        } finally {
            out.flush();
        }
    }

    void onEntries(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        AeEntriesProto p = codec.parse(AeEntriesProto.parser(), payload);
        CrdtDecodeException firstError = null;
        Outbox back = p.getReconcile() ? new Outbox(from, 0, fx) : null;
        for (ByteString b : p.getEntriesList()) {
            EntryCodec.Decoded d;
            try {
                d = codec.decodeEntry(b.toByteArray());
            } catch (CrdtDecodeException e) {
                firstError = firstError == null ? e : firstError;
                continue;
            }
            stats.aeEntriesReceived++;
            Hlc max = maxHlc(d.state());
            if (max != null) {
                if (clock.isTooFarAhead(max)) {
                    stats.refusedClock++;
                    continue;
                }
                clock.observe(max);
            }
            keyspace.join(d.object(), d.key(), d.state(), from, null, fx);
            if (back != null) {
                Crdt<?> mine = keyspace.entryState(d.object(), d.key());
                if (mine != null && !mine.equals(d.state())) {
                    back.entry(d.object(), d.key(), mine, false);
                }
            }
        }
        if (back != null) {
            back.flush();
        }
        if (firstError != null) {
            throw firstError;
        }
    }

    /** The newest HLC a state or delta carries (LWW timestamps and register siblings), or null. */
    static Hlc maxHlc(Crdt<?> state) {
        if (state instanceof LwwRegister) {
            return ((LwwRegister<?>) state).hlc();
        }
        if (state instanceof MvRegister) {
            Hlc max = null;
            for (MvRegister.Sibling<?> s : ((MvRegister<?>) state).siblings()) {
                max = Hlc.max(max, s.hlc());
            }
            return max;
        }
        return null;
    }

    /** Most entries one listed bucket may hold (far above any aeLeafEntries in use). */
    static final int MAX_LIST_ENTRIES = 1 << 16;

    /** An entry's id in a list: its key hash folded to 16 bits with the round's salt. */
    static int shortId(long keyHash, long salt) {
        return DigestTree.fold(keyHash, ~keyHash, salt ^ 0x5DEECE66DL) & 0xFFFF;
    }

    static int fold16(long hi, long lo, long salt) {
        return DigestTree.fold(hi, lo, salt) & 0xFFFF;
    }

    // ---- comparing ----

    private void compareSums(int depth, long prefix, byte[] sums, Outbox out) throws CrdtDecodeException {
        if (depth >= DigestTree.MAX_DEPTH) {
            throw new CrdtDecodeException("a bucket of sums at the last depth");
        }
        keyspace.tree().childSums(depth, prefix, hi, lo, n);
        int[] mine = new int[16];
        for (int c = 0; c < 16; c++) {
            mine[c] = fold16(hi[c], lo[c], out.salt);
        }
        for (int c = 0; c < 16; c++) {
            int theirs = ((sums[2 * c] & 0xFF) << 8) | (sums[2 * c + 1] & 0xFF);
            if (mine[c] != theirs) {
                describe(depth + 1, (prefix << 4) | c, out);
            }
        }
    }

    private void compareList(int depth, long prefix, byte[] list, Outbox out) {
        Map<Integer, int[]> theirs = new HashMap<>(list.length / 2);
        for (int i = 0; i < list.length; i += 4) {
            int id = ((list[i] & 0xFF) << 8) | (list[i + 1] & 0xFF);
            int digest = ((list[i + 2] & 0xFF) << 8) | (list[i + 3] & 0xFF);
            int[] folds = theirs.get(id);
            int[] grown = folds == null ? new int[1] : java.util.Arrays.copyOf(folds, folds.length + 1);
            grown[grown.length - 1] = digest;
            theirs.put(id, grown);
        }
        Map<Integer, List<DigestTree.Entry>> mine = byId(depth, prefix, out.salt);
        for (Map.Entry<Integer, List<DigestTree.Entry>> m : mine.entrySet()) {
            int[] t = theirs.get(m.getKey());
            int[] ours = new int[m.getValue().size()];
            for (int i = 0; i < ours.length; i++) {
                DigestTree.Entry e = m.getValue().get(i);
                ours[i] = fold16(e.digestHi, e.digestLo, out.salt);
            }
            if (t == null || !sameFolds(ours, t)) {
                for (DigestTree.Entry e : m.getValue()) {
                    out.entry(e, true);
                }
                if (t != null && t.length > ours.length) {
                    // two entries share the id this round: ask for theirs too
                    out.request(depth, prefix, m.getKey());
                }
            }
        }
        for (Integer id : theirs.keySet()) {
            if (!mine.containsKey(id)) {
                out.request(depth, prefix, id);
            }
        }
    }

    private Map<Integer, List<DigestTree.Entry>> byId(int depth, long prefix, long salt) {
        Map<Integer, List<DigestTree.Entry>> m = new HashMap<>();
        keyspace.tree().forEachIn(depth, prefix,
            e -> m.computeIfAbsent(shortId(e.keyHash, salt), k -> new ArrayList<>(1)).add(e));
        return m;
    }

    private static boolean sameFolds(int[] a, int[] b) {
        if (a.length != b.length) {
            return false;
        }
        int[] x = a.clone();
        int[] y = b.clone();
        java.util.Arrays.sort(x);
        java.util.Arrays.sort(y);
        return java.util.Arrays.equals(x, y);
    }

    private static int readShort(ByteString b, int i) {
        return ((b.byteAt(i) & 0xFF) << 8) | (b.byteAt(i + 1) & 0xFF);
    }

    /** Adds bucket {@code (depth, prefix)} as seen here: an entry list or the 16 child sums. */
    private void describe(int depth, long prefix, Outbox out) {
        DigestTree t = keyspace.tree();
        if (depth == DigestTree.MAX_DEPTH || t.count(depth, prefix) <= config.aeLeafEntries()) {
            List<DigestTree.Entry> list = new ArrayList<>();
            t.forEachIn(depth, prefix, list::add);
            byte[] body = new byte[list.size() * 4];
            for (int i = 0; i < list.size(); i++) {
                DigestTree.Entry e = list.get(i);
                int id = shortId(e.keyHash, out.salt);
                int f = fold16(e.digestHi, e.digestLo, out.salt);
                body[4 * i] = (byte) (id >>> 8);
                body[4 * i + 1] = (byte) id;
                body[4 * i + 2] = (byte) (f >>> 8);
                body[4 * i + 3] = (byte) f;
            }
            out.bucket(depth, prefix, list.size() + 1, body);
        } else {
            t.childSums(depth, prefix, hi, lo, n);
            byte[] sums = new byte[32];
            for (int c = 0; c < 16; c++) {
                int f = fold16(hi[c], lo[c], out.salt);
                sums[2 * c] = (byte) (f >>> 8);
                sums[2 * c + 1] = (byte) f;
            }
            out.bucket(depth, prefix, 0, sums);
        }
    }

    /** Collects the answers of one received message into messages of at most maxMessageBytes each. */
    private final class Outbox {
        final ReplicaId peer;
        final long salt;
        final Effects fx;
        /** Buckets by depth: prefix deltas and bodies. */
        final TreeMap<Integer, Level> levels = new TreeMap<>();
        int bucketBytes;
        AeEntriesProto.Builder reconcile;
        AeEntriesProto.Builder answers;
        int reconcileBytes;
        int answerBytes;
        AeRequestProto.Builder request;
        int requestBytes;
        AeWantProto.Builder want;
        ByteString.Output wantIds;
        final Set<DigestTree.Entry> sent = Collections.newSetFromMap(new IdentityHashMap<>());

        final class Level {
            final AeLevelProto.Builder proto;
            final ByteString.Output body = ByteString.newOutput();
            long lastPrefix;

            Level(int depth) {
                proto = AeLevelProto.newBuilder().setDepth(depth);
            }
        }

        Outbox(ReplicaId peer, long salt, Effects fx) {
            this.peer = peer;
            this.salt = salt;
            this.fx = fx;
        }

        void bucket(int depth, long prefix, int tag, byte[] body) {
            int size = body.length + 6;
            if (!levels.isEmpty() && bucketBytes + size > config.maxMessageBytes()) {
                flushBuckets();
            }
            Level level = levels.computeIfAbsent(depth, Level::new);
            level.proto.addPrefixDeltas(prefix - level.lastPrefix);
            level.lastPrefix = prefix;
            try {
                com.google.protobuf.CodedOutputStream o = com.google.protobuf.CodedOutputStream.newInstance(level.body, 16);
                o.writeUInt32NoTag(tag);
                o.flush();
                level.body.write(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            bucketBytes += size;
        }

        void entry(DigestTree.Entry e, boolean reconciling) {
            if (!sent.add(e)) {
                return;
            }
            Crdt<?> state = keyspace.entryState(e.object, e.key);
            if (state != null) {
                entry(e.object, e.key, state, reconciling);
            }
        }

        void entry(ObjectKey object, String key, Crdt<?> state, boolean reconciling) {
            byte[] bytes = codec.encodeEntry(object, key, state);
            int size = bytes.length + 4;
            if (reconciling) {
                if (reconcile != null && reconcileBytes + size > config.maxMessageBytes()) {
                    flushEntries();
                }
                if (reconcile == null) {
                    reconcile = AeEntriesProto.newBuilder().setReconcile(true);
                    reconcileBytes = 2;
                }
                reconcile.addEntries(ByteString.copyFrom(bytes));
                reconcileBytes += size;
            } else {
                if (answers != null && answerBytes + size > config.maxMessageBytes()) {
                    flushEntries();
                }
                if (answers == null) {
                    answers = AeEntriesProto.newBuilder();
                    answerBytes = 0;
                }
                answers.addEntries(ByteString.copyFrom(bytes));
                answerBytes += size;
            }
            stats.aeEntriesSent++;
        }

        void request(int depth, long prefix, int id) {
            if (want != null && (want.getDepth() != depth || want.getPrefix() != prefix)) {
                closeWant();
            }
            if (requestBytes + 24 > config.maxMessageBytes()) {
                flushRequest();
            }
            if (want == null) {
                want = AeWantProto.newBuilder().setDepth(depth).setPrefix(prefix);
                wantIds = ByteString.newOutput();
                requestBytes += 16;
            }
            wantIds.write(id >>> 8);
            wantIds.write(id);
            requestBytes += 2;
        }

        private void closeWant() {
            if (want != null) {
                if (request == null) {
                    request = AeRequestProto.newBuilder().setSalt(salt);
                }
                request.addWants(want.setIds(wantIds.toByteString()));
                want = null;
            }
        }

        void flush() {
            flushBuckets();
            flushEntries();
            flushRequest();
        }

        private void flushBuckets() {
            if (levels.isEmpty()) {
                return;
            }
            AeBucketsProto.Builder b = AeBucketsProto.newBuilder().setSalt(salt);
            for (Level level : levels.values()) {
                b.addLevels(level.proto.setBody(level.body.toByteString()));
            }
            host.send(peer, MessageTypes.AE_BUCKETS, b.build().toByteArray(), fx);
            levels.clear();
            bucketBytes = 0;
        }

        private void flushEntries() {
            if (reconcile != null) {
                host.send(peer, MessageTypes.AE_ENTRIES, reconcile.build().toByteArray(), fx);
                reconcile = null;
            }
            if (answers != null) {
                host.send(peer, MessageTypes.AE_ENTRIES, answers.build().toByteArray(), fx);
                answers = null;
            }
        }

        private void flushRequest() {
            closeWant();
            if (request != null) {
                host.send(peer, MessageTypes.AE_REQUEST, request.build().toByteArray(), fx);
                request = null;
                requestBytes = 0;
            }
        }
    }
}
