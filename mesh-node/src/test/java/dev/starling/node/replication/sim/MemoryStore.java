package dev.starling.node.replication.sim;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.replication.DurableState;
import dev.starling.node.replication.StateWriter;
import dev.starling.node.store.Store;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * An in-memory {@link DurableState} with atomic steps: the writes of a step ({@link #begin()}) reach
 * the committed state only by {@link Step#commit()}, all together; a crash is simply not committing,
 * and a restart builds a new replicator from what is committed. Bounds the delta log like the LMDB
 * store ({@code maxDeltaLogEntries}, oldest first).
 */
public final class MemoryStore implements DurableState {

    private final ReplicaId replicaId;
    private final long maxDeltaLogEntries;
    private final TreeMap<String, byte[]> objects = new TreeMap<>();
    private final Map<String, byte[]> meta = new HashMap<>();
    private final TreeMap<ReplicaId, Long> acks = new TreeMap<>();
    private final TreeMap<Long, byte[]> deltas = new TreeMap<>();
    private long lastSeq;
    private Hlc hwm;
    private long commits;
    private long bytesWritten;

    public MemoryStore(ReplicaId replicaId, long maxDeltaLogEntries) {
        this.replicaId = replicaId;
        this.maxDeltaLogEntries = maxDeltaLogEntries;
    }

    public Step begin() {
        return new Step();
    }

    public long commits() {
        return commits;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    public byte[] objectBytes(String storeKey) {
        return objects.get(storeKey);
    }

    public int objectCount() {
        return objects.size();
    }

    @Override
    public ReplicaId replicaId() {
        return replicaId;
    }

    @Override
    public Hlc hlcHighWaterMark() {
        return hwm;
    }

    @Override
    public void forEachObject(BiConsumer<String, byte[]> action) {
        objects.forEach(action);
    }

    @Override
    public byte[] meta(String key) {
        return meta.get(key);
    }

    @Override
    public Map<ReplicaId, Long> acks() {
        return Collections.unmodifiableMap(new TreeMap<>(acks));
    }

    @Override
    public long firstDeltaSeq() {
        return deltas.isEmpty() ? lastSeq + 1 : deltas.firstKey();
    }

    @Override
    public long lastDeltaSeq() {
        return lastSeq;
    }

    @Override
    public long forEachDelta(long fromSeq, Store.DeltaVisitor visitor) {
        long n = 0;
        for (Map.Entry<Long, byte[]> e : deltas.tailMap(fromSeq, true).entrySet()) {
            n++;
            if (!visitor.visit(e.getKey(), e.getValue())) {
                break;
            }
        }
        return n;
    }

    public int deltaCount() {
        return deltas.size();
    }

    /** The writes of one step. */
    public final class Step implements StateWriter {
        private final List<Runnable> ops = new ArrayList<>();
        private long stepLastSeq = lastSeq;
        private boolean done;

        @Override
        public StateWriter putObject(String storeKey, byte[] value) {
            check(storeKey);
            bytesWritten += value.length;
            ops.add(() -> objects.put(storeKey, value));
            return this;
        }

        @Override
        public StateWriter deleteObject(String storeKey) {
            ops.add(() -> objects.remove(storeKey));
            return this;
        }

        @Override
        public StateWriter putMeta(String key, byte[] value) {
            if (key.startsWith("store/") || key.startsWith("ack/")) {
                throw new IllegalArgumentException("reserved meta key " + key);
            }
            ops.add(() -> meta.put(key, value));
            return this;
        }

        @Override
        public StateWriter deleteMeta(String key) {
            ops.add(() -> meta.remove(key));
            return this;
        }

        @Override
        public StateWriter putAck(ReplicaId peer, long seq) {
            ops.add(() -> acks.put(peer, seq));
            return this;
        }

        @Override
        public StateWriter deleteAck(ReplicaId peer) {
            ops.add(() -> acks.remove(peer));
            return this;
        }

        @Override
        public StateWriter putHlcHighWaterMark(Hlc hlc) {
            Hlc h = new Hlc(hlc.physicalMs(), hlc.logical(), replicaId);
            ops.add(() -> hwm = h);
            return this;
        }

        @Override
        public StateWriter appendDelta(long seq, byte[] delta) {
            if (seq <= stepLastSeq) {
                throw new IllegalArgumentException("delta sequence " + seq + " after " + stepLastSeq);
            }
            stepLastSeq = seq;
            bytesWritten += delta.length;
            ops.add(() -> {
                deltas.put(seq, delta);
                lastSeq = seq;
            });
            return this;
        }

        @Override
        public StateWriter trimDeltasBefore(long seq) {
            ops.add(() -> deltas.headMap(seq, false).clear());
            return this;
        }

        /** Applies every write of the step at once. */
        public void commit() {
            if (done) {
                throw new IllegalStateException("step already ended");
            }
            done = true;
            if (ops.isEmpty()) {
                return;
            }
            for (Runnable op : ops) {
                op.run();
            }
            while (deltas.size() > maxDeltaLogEntries) {
                deltas.pollFirstEntry();
            }
            commits++;
        }

        /** Forgets the step (a crash before its commit). */
        public void discard() {
            done = true;
        }

        private void check(String storeKey) {
            int bytes = storeKey.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes < 1 || bytes > 511) {
                throw new IllegalArgumentException("store key of " + bytes + " bytes");
            }
        }
    }
}
