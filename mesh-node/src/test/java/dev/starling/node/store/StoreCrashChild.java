package dev.starling.node.store;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Random;

/**
 * The child process of {@link StoreCrashIT}: a program that writes to a store until it is killed.
 * It talks to its parent through stdout, one line per event, flushed at once (this is a test
 * fixture, not library code, so stdout is its interface):
 *
 * <pre>
 * open &lt;replica id&gt; &lt;last delta seq&gt;     after the store is open
 * committed &lt;seq&gt; ok                       after the commit of batch {@code seq} has returned
 * </pre>
 *
 * Usage: {@code StoreCrashChild <dir> <sync policy> write <batches>} writes that many batches, each
 * named by the delta sequence it appends, continuing after the last batch found in the directory;
 * {@code StoreCrashChild <dir> <sync policy> hold} opens the store and waits for stdin to close.
 * Exit code 3 and a line on stderr if the store cannot be opened.
 */
final class StoreCrashChild {

    static final long HLC_BASE_MS = 1_700_000_000_000L;
    static final int OBJECTS = 50;
    static final int PEERS = 3;

    private StoreCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        StoreConfig config = config(SyncPolicy.valueOf(args[1]));
        PrintStream out = System.out;
        Store store;
        try {
            store = Store.open(dir, config);
        } catch (StoreException e) {
            System.err.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(3);
            return;
        }
        try (store) {
            out.println("open " + store.replicaId() + " " + store.lastDeltaSeq());
            out.flush();
            if (args[2].equals("hold")) {
                while (System.in.read() >= 0) {
                    // wait for the parent to close stdin or kill us
                }
                return;
            }
            long first = store.lastDeltaSeq() + 1;
            long last = first + Long.parseLong(args[3]) - 1;
            for (long seq = first; seq <= last; seq++) {
                Batch batch = store.batch();
                addBatch(batch, seq, store.replicaId());
                batch.commit();
                store.syncIfDue(System.nanoTime());
                out.println("committed " + seq + " ok");
                out.flush();
            }
        }
    }

    static StoreConfig config(SyncPolicy policy) {
        return StoreConfig.builder()
                .syncPolicy(policy)
                .mapSizeBytes(1 << 20)
                .maxDeltaLogEntries(Long.MAX_VALUE)
                .maxDeltaLogBytes(Long.MAX_VALUE)
                .build();
    }

    /**
     * Batch {@code seq}: one of {@value #OBJECTS} objects and the object "last", a delta, one of
     * {@value #PEERS} peers' ack and the HLC mark. Every value is a function of {@code seq}, so the
     * parent can tell exactly which batches are in the store and whether they are intact.
     */
    static void addBatch(Batch batch, long seq, ReplicaId replica) {
        batch.putObject(objectName(seq), payload(seq, 200))
                .putObject("last", StoreLayout.u64(seq))
                .appendDelta(seq, payload(-seq, 100 + (int) (seq % 300)))
                .putAck(peer(seq), seq)
                .putHlcHighWaterMark(new Hlc(HLC_BASE_MS + seq, (int) (seq % 7), replica));
    }

    static String objectName(long seq) {
        return "obj-" + (seq % OBJECTS);
    }

    static ReplicaId peer(long seq) {
        return new ReplicaId(100 + seq % PEERS);
    }

    static byte[] payload(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }
}
