package dev.starling.bench.crdt;

import dev.starling.crdt.EmbeddingRegister;
import dev.starling.crdt.EmbeddingValue;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwMap;
import dev.starling.crdt.ModelVersion;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.codec.CrdtDecodeException;
import dev.starling.crdt.codec.DecodeLimits;
import dev.starling.crdt.codec.EmbeddingRegisterCodec;
import dev.starling.crdt.codec.LwwMapCodec;
import dev.starling.crdt.codec.OrSetCodec;
import dev.starling.crdt.codec.StateCodec;
import dev.starling.crdt.codec.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.StringJoiner;

/**
 * Prints the encoded size of typical deltas (not a JMH benchmark: sizes are exact, not measured).
 *
 * <p>Run after {@code mvn package}:
 * {@code java -cp bench/target/benchmarks.jar dev.starling.bench.crdt.EncodedSizeReport}
 *
 * <p>Every delta is decoded again and compared with the original, so the sizes are of bytes that
 * round-trip. Goals (docs/benchmarks.md): LWW-map delta with a 16-byte key and 8-byte value at most
 * 48 bytes; 384-dimension embedding-register delta at most 450 bytes.
 */
public final class EncodedSizeReport {

    static final int DIMS = 384;

    private final List<String[]> rows = new ArrayList<>();

    private EncodedSizeReport() {
    }

    public static void main(String[] args) throws CrdtDecodeException {
        EncodedSizeReport r = new EncodedSizeReport();
        r.lwwMap();
        r.embedding();
        r.orSet();
        r.print();
    }

    private void lwwMap() throws CrdtDecodeException {
        LwwMapCodec<String, Long> codec = new LwwMapCodec<>(ValueCodec.utf8(), ValueCodec.int64(), DecodeLimits.DEFAULT);
        String key = BenchData.key(42);
        check(key.getBytes(StandardCharsets.UTF_8).length == 16, "16-byte key");
        long now = System.currentTimeMillis();
        LwwMap<String, Long> m = LwwMap.empty();
        long value = 0x0123456789abcdefL; // 8 bytes on the wire whatever the value: int64 is fixed-width
        add("LWW map", "put delta, 16-byte key, int64 value, HLC now, logical 0", "<= 48",
            size(codec, m.putDelta(key, value, new Hlc(now, 0, BenchData.REPLICA_A))));
        add("LWW map", "put delta, 16-byte key, int64 value, HLC now, logical 3", "<= 48",
            size(codec, m.putDelta(key, value, new Hlc(now, 3, BenchData.REPLICA_A))));
        // The logical counter is a varint: from 128 on it takes 2 bytes (128 writes or receipts in
        // one millisecond of one clock), one more than the goal allows for.
        add("LWW map", "put delta, 16-byte key, int64 value, HLC now, logical 128 (edge)", "",
            size(codec, m.putDelta(key, value, new Hlc(now, 128, BenchData.REPLICA_A))));
        add("LWW map", "remove delta (tombstone), 16-byte key, HLC now, logical 0", "",
            size(codec, m.removeDelta(key, new Hlc(now, 0, BenchData.REPLICA_A))));
    }

    private void embedding() throws CrdtDecodeException {
        EmbeddingRegisterCodec codec = new EmbeddingRegisterCodec(DecodeLimits.DEFAULT);
        ModelVersion model = new ModelVersion(1, 0x5eed5eed5eed5eedL);
        Random random = new Random(384);
        float[] v1 = unitGaussian(random);
        float[] v2 = unitGaussian(random);
        float[] v3 = unitGaussian(random);
        EmbeddingValue e1 = EmbeddingValue.quantize(model, v1);
        EmbeddingValue e2 = EmbeddingValue.quantize(model, v2);
        EmbeddingValue e3 = EmbeddingValue.quantize(model, v3);

        EmbeddingRegister empty = EmbeddingRegister.empty();
        EmbeddingRegister first = empty.writeDelta(BenchData.REPLICA_A, e1);
        add("Embedding register", "384 dims: first write (delta context {A:1})", "<= 450", size(codec, first));

        EmbeddingRegister heldByA = empty.merge(first);
        EmbeddingRegister overwrite = heldByA.writeDelta(BenchData.REPLICA_B, e2);
        add("Embedding register", "384 dims: B overwrites A's one sibling (delta context {A:1, B:1})", "<= 450",
            size(codec, overwrite));

        // The register's context knows A, B and C; one sibling (C's) is left; A writes again. The
        // delta's context holds the dots it replaces plus its own: {C:1} and cloud dot A:2.
        EmbeddingRegister knowsThree = heldByA.merge(overwrite);
        knowsThree = knowsThree.merge(knowsThree.writeDelta(BenchData.REPLICA_C, e3));
        check(knowsThree.context().versionVectorSize() == 3 && knowsThree.siblings().size() == 1, "3 replicas, 1 sibling");
        add("Embedding register", "384 dims: A writes, context knows A, B, C, one sibling (C's)", "<= 450",
            size(codec, knowsThree.writeDelta(BenchData.REPLICA_A, e1)));

        // Worst case of the three-replica family: A and B wrote concurrently (two siblings), C
        // overwrites both, so the delta's context lists all three replicas {A:1, B:1, C:1}.
        EmbeddingRegister siblings = empty.merge(first).merge(empty.writeDelta(BenchData.REPLICA_B, e2));
        check(siblings.siblings().size() == 2, "two concurrent siblings");
        EmbeddingRegister overwriteBoth = siblings.writeDelta(BenchData.REPLICA_C, e3);
        check(overwriteBoth.context().versionVectorSize() == 3, "delta context lists 3 replicas");
        add("Embedding register", "384 dims: C overwrites 2 concurrent siblings (delta context {A:1, B:1, C:1})",
            "<= 450", size(codec, overwriteBoth));

        add("Embedding, for comparison", "384 dims as raw float32", "", DIMS * Float.BYTES);
        add("Embedding, for comparison", "384 dims as JSON array of floats (Float.toString, commas)", "~3 KB",
            jsonArray(v1).getBytes(StandardCharsets.UTF_8).length);
    }

    private void orSet() throws CrdtDecodeException {
        OrSetCodec<String> codec = new OrSetCodec<>(ValueCodec.utf8(), DecodeLimits.DEFAULT);
        // A set written by three replicas, 3000 adds each: realistic counters and version vector.
        OrSet<String> s = OrSet.empty();
        for (int i = 0; i < 9000; i++) {
            s = s.merge(s.addDelta(BenchData.REPLICAS[i % 3], BenchData.key(i)));
        }
        String fresh = BenchData.key(1_000_000);
        String existing = BenchData.key(4242);
        check(fresh.getBytes(StandardCharsets.UTF_8).length == 16, "16-byte element");
        add("OR-set", "add delta, new 16-byte element (dot A:3001)", "", size(codec, s.addDelta(BenchData.REPLICA_A, fresh)));
        add("OR-set", "add delta, existing 16-byte element (re-add by another replica)", "",
            size(codec, s.addDelta(BenchData.REPLICA_A, existing)));
        add("OR-set", "remove delta, 16-byte element", "", size(codec, s.removeDelta(existing)));
    }

    private static <T> int size(StateCodec<T> codec, T delta) throws CrdtDecodeException {
        byte[] bytes = codec.encode(delta);
        T back = codec.decode(bytes);
        check(Objects.equals(back, delta), "round trip of " + delta);
        return bytes.length;
    }

    /** A random direction (Gaussian components, L2-normalised), like the output of a sentence encoder. */
    static float[] unitGaussian(Random random) {
        float[] v = new float[DIMS];
        double norm2 = 0;
        for (int i = 0; i < DIMS; i++) {
            v[i] = (float) random.nextGaussian();
            norm2 += (double) v[i] * v[i];
        }
        double inv = 1.0 / Math.sqrt(norm2);
        for (int i = 0; i < DIMS; i++) {
            v[i] = (float) (v[i] * inv);
        }
        return v;
    }

    static String jsonArray(float[] v) {
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (float x : v) {
            j.add(Float.toString(x));
        }
        return j.toString();
    }

    private void add(String type, String what, String goal, int bytes) {
        String verdict = "";
        if (goal.startsWith("<= ")) {
            verdict = bytes <= Integer.parseInt(goal.substring(3)) ? "met" : "NOT MET";
        }
        rows.add(new String[] {type, what, Integer.toString(bytes), goal, verdict});
    }

    private void print() {
        String[] header = {"Type", "Delta", "Bytes", "Goal", ""};
        int[] w = new int[header.length];
        List<String[]> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (String[] r : all) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : all) {
            StringBuilder sb = new StringBuilder("|");
            for (int i = 0; i < r.length; i++) {
                String c = r[i];
                String pad = " ".repeat(w[i] - c.length());
                sb.append(' ').append(i == 2 ? pad + c : c + pad).append(" |");
            }
            System.out.println(sb);
            if (r == header) {
                StringBuilder sep = new StringBuilder("|");
                for (int i = 0; i < r.length; i++) {
                    sep.append(i == 2 ? "-".repeat(w[i] + 1) + ":|" : "-".repeat(w[i] + 2) + "|");
                }
                System.out.println(sep);
            }
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("size report check failed: " + what);
        }
    }
}
