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
import dev.starling.node.replication.proto.v1.AeNodeProto;
import dev.starling.node.replication.proto.v1.AeRequestProto;
import dev.starling.node.replication.proto.v1.AeSummaryProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Anti-entropy: compares two replicas' digest trees ({@link DigestTree}) and exchanges the states of
 * the entries that differ, in both directions.
 *
 * <p>A round: A sends its root (AE_SUMMARY). If B's root is equal, B answers with its own summary and
 * both are done: one round trip of about 60 bytes. Otherwise B starts a walk with a random salt: it
 * sends the root bucket as A's peer sees it. Each side, receiving buckets, compares them with its own:
 * <ul>
 *   <li>a bucket given by its 16 child sums: every child whose sum differs is answered with that
 *       child as seen here: its entry list when it holds at most {@code aeLeafEntries} entries here
 *       (or is a single key hash), else its own 16 child sums;</li>
 *   <li>a bucket given by its entry list (key hash, digest): entries here that the list lacks or has
 *       with another digest are sent (AE_ENTRIES); key hashes of the list that are missing here or
 *       differ are requested (AE_REQUEST), whose answer is the entries' states.</li>
 * </ul>
 * Sums and digests travel folded to 32 bits with the round's salt, so a walk costs 4 bytes per child
 * and 12 per listed entry; the salt makes a fold collision (which would hide a divergent bucket for
 * this round only) independent between rounds. Nothing is remembered between messages: a lost
 * message ends its branch of the walk, and the next round starts again from the roots.
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
            for (AeNodeProto node : p.getNodesList()) {
                int depth = node.getDepth();
                long prefix = node.getPrefix();
                if (!DigestTree.validBucket(depth, prefix)) {
                    throw new CrdtDecodeException("no bucket at depth " + depth + " prefix " + Long.toHexString(prefix));
                }
                if (node.getIsList()) {
                    compareList(depth, prefix, node, out);
                } else {
                    compareSums(depth, prefix, node, out);
                }
            }
        } finally {
            out.flush();
        }
    }

    void onRequest(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        AeRequestProto p = codec.parse(AeRequestProto.parser(), payload);
        if (p.getKeyHashesCount() > config.maxAeRequestHashes()) {
            throw new CrdtDecodeException("request for " + p.getKeyHashesCount() + " entries, over "
                + config.maxAeRequestHashes());
        }
        Outbox out = new Outbox(from, 0, fx);
        for (int i = 0; i < p.getKeyHashesCount(); i++) {
            for (DigestTree.Entry e = keyspace.tree().withHash(p.getKeyHashes(i)); e != null; e = e.next) {
                out.entry(e);
            }
        }
        out.flush();
    }

    void onEntries(ReplicaId from, byte[] payload, Effects fx) throws CrdtDecodeException {
        AeEntriesProto p = codec.parse(AeEntriesProto.parser(), payload);
        CrdtDecodeException firstError = null;
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

    // ---- comparing ----

    private void compareSums(int depth, long prefix, AeNodeProto node, Outbox out) throws CrdtDecodeException {
        if (depth >= DigestTree.MAX_DEPTH || node.getChildSumsCount() != 16) {
            throw new CrdtDecodeException("a bucket of sums needs 16 children above the last depth");
        }
        keyspace.tree().childSums(depth, prefix, hi, lo, n);
        int[] mine = new int[16];
        for (int c = 0; c < 16; c++) {
            mine[c] = DigestTree.fold(hi[c], lo[c], out.salt);
        }
        for (int c = 0; c < 16; c++) {
            if (mine[c] != node.getChildSums(c)) {
                describe(depth + 1, (prefix << 4) | c, out);
            }
        }
    }

    private void compareList(int depth, long prefix, AeNodeProto node, Outbox out) throws CrdtDecodeException {
        int count = node.getEntryHashesCount();
        if (count != node.getEntryDigestsCount()) {
            throw new CrdtDecodeException("entry list with " + count + " hashes and " + node.getEntryDigestsCount()
                + " digests");
        }
        Map<Long, int[]> theirs = new HashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            long h = node.getEntryHashes(i);
            if (!DigestTree.inBucket(h, depth, prefix)) {
                throw new CrdtDecodeException("listed key hash outside its bucket");
            }
            int[] folds = theirs.get(h);
            int[] grown = folds == null ? new int[1] : Arrays.copyOf(folds, folds.length + 1);
            grown[grown.length - 1] = node.getEntryDigests(i);
            theirs.put(h, grown);
        }
        List<DigestTree.Entry> mine = new ArrayList<>();
        keyspace.tree().forEachIn(depth, prefix, mine::add);
        Map<Long, int[]> ours = new HashMap<>(mine.size() * 2);
        for (DigestTree.Entry e : mine) {
            int f = DigestTree.fold(e.digestHi, e.digestLo, out.salt);
            int[] folds = ours.get(e.keyHash);
            int[] grown = folds == null ? new int[1] : Arrays.copyOf(folds, folds.length + 1);
            grown[grown.length - 1] = f;
            ours.put(e.keyHash, grown);
        }
        for (Map.Entry<Long, int[]> o : ours.entrySet()) {
            int[] t = theirs.get(o.getKey());
            if (t == null || !sameFolds(o.getValue(), t)) {
                for (DigestTree.Entry e = keyspace.tree().withHash(o.getKey()); e != null; e = e.next) {
                    out.entry(e);
                }
                if (t != null) {
                    out.request(o.getKey());
                }
            }
        }
        for (Long h : theirs.keySet()) {
            if (!ours.containsKey(h)) {
                out.request(h);
            }
        }
    }

    private static boolean sameFolds(int[] a, int[] b) {
        if (a.length != b.length) {
            return false;
        }
        int[] x = a.clone();
        int[] y = b.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        return Arrays.equals(x, y);
    }

    /** Adds bucket {@code (depth, prefix)} as seen here: an entry list or the 16 child sums. */
    private void describe(int depth, long prefix, Outbox out) {
        DigestTree t = keyspace.tree();
        AeNodeProto.Builder b = AeNodeProto.newBuilder().setDepth(depth).setPrefix(prefix);
        if (depth == DigestTree.MAX_DEPTH || t.count(depth, prefix) <= config.aeLeafEntries()) {
            b.setIsList(true);
            List<DigestTree.Entry> list = new ArrayList<>();
            t.forEachIn(depth, prefix, list::add);
            for (DigestTree.Entry e : list) {
                b.addEntryHashes(e.keyHash);
                b.addEntryDigests(DigestTree.fold(e.digestHi, e.digestLo, out.salt));
            }
        } else {
            t.childSums(depth, prefix, hi, lo, n);
            for (int c = 0; c < 16; c++) {
                b.addChildSums(DigestTree.fold(hi[c], lo[c], out.salt));
            }
        }
        out.node(b.build());
    }

    /** Collects the answers of one received message into messages of at most maxMessageBytes each. */
    private final class Outbox {
        final ReplicaId peer;
        final long salt;
        final Effects fx;
        AeBucketsProto.Builder buckets;
        int bucketBytes;
        AeEntriesProto.Builder entries;
        int entryBytes;
        AeRequestProto.Builder request;
        final java.util.Set<Long> requested = new java.util.HashSet<>();
        final java.util.Set<DigestTree.Entry> sent = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

        Outbox(ReplicaId peer, long salt, Effects fx) {
            this.peer = peer;
            this.salt = salt;
            this.fx = fx;
        }

        void node(AeNodeProto node) {
            int size = node.getSerializedSize() + 4;
            if (buckets != null && bucketBytes + size > config.maxMessageBytes()) {
                flushBuckets();
            }
            if (buckets == null) {
                buckets = AeBucketsProto.newBuilder().setSalt(salt);
                bucketBytes = 10;
            }
            buckets.addNodes(node);
            bucketBytes += size;
        }

        void entry(DigestTree.Entry e) {
            if (!sent.add(e)) {
                return;
            }
            Crdt<?> state = keyspace.entryState(e.object, e.key);
            if (state == null) {
                return;
            }
            byte[] bytes = codec.encodeEntry(e.object, e.key, state);
            int size = bytes.length + 4;
            if (entries != null && entryBytes + size > config.maxMessageBytes()) {
                flushEntries();
            }
            if (entries == null) {
                entries = AeEntriesProto.newBuilder();
                entryBytes = 0;
            }
            entries.addEntries(ByteString.copyFrom(bytes));
            entryBytes += size;
            stats.aeEntriesSent++;
        }

        void request(long keyHash) {
            if (!requested.add(keyHash)) {
                return;
            }
            if (request != null && (request.getKeyHashesCount() + 1) * 9 + 8 > config.maxMessageBytes()) {
                flushRequest();
            }
            if (request == null) {
                request = AeRequestProto.newBuilder();
            }
            request.addKeyHashes(keyHash);
        }

        void flush() {
            flushBuckets();
            flushEntries();
            flushRequest();
        }

        private void flushBuckets() {
            if (buckets != null) {
                host.send(peer, MessageTypes.AE_BUCKETS, buckets.build().toByteArray(), fx);
                buckets = null;
            }
        }

        private void flushEntries() {
            if (entries != null) {
                host.send(peer, MessageTypes.AE_ENTRIES, entries.build().toByteArray(), fx);
                entries = null;
            }
        }

        private void flushRequest() {
            if (request != null) {
                host.send(peer, MessageTypes.AE_REQUEST, request.build().toByteArray(), fx);
                request = null;
            }
        }
    }
}
