package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.OrMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.codec.Simulation.Run;
import dev.starling.crdt.codec.Types.Decoder;
import dev.starling.crdt.codec.Types.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/** The checks the codec tests share. */
final class Checks {

    private Checks() {
    }

    // ---- key-completeness, which equals() ignores ----

    /** Null when both values carry the same delta index (key-completeness and removed keys, at every depth). */
    static String indexDifference(Object a, Object b) {
        if (a instanceof OrSet && b instanceof OrSet) {
            return indexDifference(((OrSet<?>) a).store(), ((OrSet<?>) b).store(), "store");
        }
        if (a instanceof OrMap && b instanceof OrMap) {
            return indexDifference(((OrMap<?, ?>) a).store(), ((OrMap<?, ?>) b).store(), "store");
        }
        return null;
    }

    private static String indexDifference(DotMap<?, ?> a, DotMap<?, ?> b, String path) {
        if (a.isKeyComplete() != b.isKeyComplete()) {
            return path + ": key-complete " + a.isKeyComplete() + " vs " + b.isKeyComplete();
        }
        if (!Objects.equals(a.removedKeys(), b.removedKeys())) {
            return path + ": removed keys " + a.removedKeys() + " vs " + b.removedKeys();
        }
        String[] diff = new String[1];
        a.forEach((k, s) -> {
            Object t = b.get(k);
            if (diff[0] == null && s instanceof DotMap && t instanceof DotMap) {
                diff[0] = indexDifference((DotMap<?, ?>) s, (DotMap<?, ?>) t, path + "/" + k);
            }
        });
        return diff[0];
    }

    static void assertSameIndex(Object expected, Object actual, String what) {
        assertThat(indexDifference(expected, actual)).as(what + ": delta index after decoding").isNull();
    }

    // ---- round trip ----

    /** decode(encode(x)) equals x, with its delta index, through the typed codec and the type-tagged one. */
    static <T extends Crdt<T>> void assertRoundTrips(Type<T> type, Run<T> run) throws CrdtDecodeException {
        for (T v : run.all()) {
            assertRoundTrips(type, v);
        }
        for (T d : run.deltasAndGroups()) {
            if (d instanceof OrSet) {
                assertThat(((OrSet<?>) d).store().isKeyComplete()).as("OR-set delta is key-complete: %s", d).isTrue();
            } else if (d instanceof OrMap) {
                assertThat(((OrMap<?, ?>) d).store().isKeyComplete()).as("OR-map delta is key-complete: %s", d).isTrue();
            }
        }
    }

    static <T extends Crdt<T>> void assertRoundTrips(Type<T> type, T v) throws CrdtDecodeException {
        T back = type.codec().decode(type.codec().encode(v));
        assertThat(back).as("%s round trip of %s", type, v).isEqualTo(v);
        assertSameIndex(v, back, type + " " + v);

        Crdt<?> tagged = type.crdt().decode(type.crdt().encode(v));
        assertThat(tagged).as("CrdtCodec round trip of %s", v).isEqualTo(v);
        assertSameIndex(v, tagged, "CrdtCodec " + v);
    }

    static <T extends Crdt<T>> void assertEmptyRoundTrips(Type<T> type) throws CrdtDecodeException {
        assertRoundTrips(type, type.model().empty());
    }

    // ---- determinism ----

    static <T extends Crdt<T>> T fold(T start, List<T> values) {
        T acc = start;
        for (T v : values) {
            acc = acc.merge(v);
        }
        return acc;
    }

    /** Folds with the received value as the receiver of {@code merge} (once the state is not bottom). */
    static <T extends Crdt<T>> T foldFlipped(T start, List<T> values) {
        T acc = start;
        for (T v : values) {
            acc = acc.isBottom() ? acc.merge(v) : v.merge(acc);
        }
        return acc;
    }

    static <T> List<T> shuffled(List<T> values, Random random) {
        List<T> l = new ArrayList<>(values);
        Collections.shuffle(l, random);
        return l;
    }

    /** The values cut into runs of 1-4, each joined into a group. */
    static <T extends Crdt<T>> List<T> grouped(List<T> values, Random random) {
        List<T> groups = new ArrayList<>();
        int i = 0;
        while (i < values.size()) {
            int n = Math.min(values.size() - i, 1 + random.nextInt(4));
            T g = values.get(i);
            for (int k = 1; k < n; k++) {
                g = g.merge(values.get(i + k));
            }
            groups.add(g);
            i += n;
        }
        return groups;
    }

    /**
     * Equal states reached by different orders encode to identical bytes; encode(decode(b)) == b
     * for encoder output; equal replica states encode identically.
     */
    static <T extends Crdt<T>> void assertDeterministic(Type<T> type, Run<T> run) throws CrdtDecodeException {
        Random random = new Random(run.setup().seed() * 31 + 17);
        T empty = type.model().empty();
        List<T> deltas = run.deltas();
        List<T> statesAndDeltas = new ArrayList<>(run.finals());
        statesAndDeltas.addAll(deltas);
        Map<String, T> reached = new LinkedHashMap<>();
        reached.put("deltas in creation order", fold(empty, deltas));
        reached.put("deltas shuffled", fold(empty, shuffled(deltas, random)));
        List<T> reversed = new ArrayList<>(deltas);
        Collections.reverse(reversed);
        reached.put("deltas reversed, merged into the delta", foldFlipped(empty, reversed));
        reached.put("delta groups", fold(empty, grouped(shuffled(deltas, random), random)));
        reached.put("replica states", fold(empty, shuffled(run.finals(), random)));
        reached.put("replica states and deltas", foldFlipped(empty, shuffled(statesAndDeltas, random)));

        T expected = reached.get("deltas in creation order");
        byte[] expectedBytes = type.codec().encode(expected);
        byte[] expectedTagged = type.crdt().encode(expected);
        for (Map.Entry<String, T> e : reached.entrySet()) {
            assertThat(e.getValue()).as("%s reached by %s (converges)", type, e.getKey()).isEqualTo(expected);
            assertThat(type.codec().encode(e.getValue())).as("%s bytes of the state reached by %s", type, e.getKey())
                .isEqualTo(expectedBytes);
            assertThat(type.crdt().encode(e.getValue())).as("CrdtCodec bytes of the state reached by %s", e.getKey())
                .isEqualTo(expectedTagged);
        }

        for (T v : run.all()) {
            byte[] b = type.codec().encode(v);
            assertThat(type.codec().encode(type.codec().decode(b))).as("%s encode(decode(b)) == b for %s", type, v)
                .isEqualTo(b);
            byte[] t = type.crdt().encode(v);
            assertThat(type.crdt().encode(type.crdt().decode(t))).as("CrdtCodec encode(decode(b)) == b for %s", v)
                .isEqualTo(t);
        }

        List<T> states = new ArrayList<>(run.states());
        states.addAll(reached.values());
        for (int i = 0; i < states.size(); i++) {
            for (int j = i + 1; j < states.size(); j++) {
                if (states.get(i).equals(states.get(j))) {
                    assertThat(type.codec().encode(states.get(j))).as("%s equal states encode identically: %s", type,
                        states.get(i)).isEqualTo(type.codec().encode(states.get(i)));
                }
            }
        }
    }

    // ---- fuzz oracle ----

    /**
     * Feeds {@code input} to {@code decoder}: it must either throw {@link CrdtDecodeException} or
     * return a value that re-encodes and decodes to an equal value with the same bytes.
     */
    static void assertOnlyDocumentedFailure(Decoder decoder, byte[] input, String how) {
        Object decoded;
        try {
            decoded = decoder.decode(input);
        } catch (CrdtDecodeException expected) {
            return;
        } catch (Throwable t) {
            throw new AssertionError(decoder.name() + " let " + t + " escape on " + how + " input " + hex(input), t);
        }
        String problem;
        try {
            problem = reencodingProblem(decoder, decoded);
        } catch (Throwable t) {
            throw new AssertionError(decoder.name() + " decoded " + decoded + " from " + how + " input " + hex(input)
                + ", which does not re-encode and decode: " + t, t);
        }
        if (problem != null) {
            throw new AssertionError(decoder.name() + " decoded " + decoded + " from " + how + " input " + hex(input)
                + ": " + problem);
        }
    }

    private static String reencodingProblem(Decoder decoder, Object decoded) throws CrdtDecodeException {
        if (decoded == null) {
            return "decoded null";
        }
        byte[] again = decoder.encode(decoded);
        Object redecoded = decoder.decode(again);
        if (!redecoded.equals(decoded)) {
            return "re-decoded to a different value " + redecoded;
        }
        String index = indexDifference(decoded, redecoded);
        if (index != null) {
            return "re-decoded with a different delta index: " + index;
        }
        if (!Arrays.equals(decoder.encode(redecoded), again)) {
            return "re-encoding is not stable";
        }
        return null;
    }

    static String hex(byte[] b) {
        String h = HexFormat.of().formatHex(b, 0, Math.min(b.length, 400));
        return b.length > 400 ? h + "... (" + b.length + " bytes)" : h + " (" + b.length + " bytes)";
    }
}
