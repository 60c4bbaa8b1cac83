package dev.starling.crdt.codec;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.codec.Simulation.Run;
import dev.starling.crdt.codec.Types.Decoder;
import dev.starling.crdt.codec.Types.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random and mutated bytes fed to every decoder (each typed codec and each {@link CrdtCodec},
 * some with tight limits): nothing but {@link CrdtDecodeException} may escape, and what decodes
 * must re-encode and decode to an equal value (no half-valid object). Anything else thrown,
 * StackOverflowError and OutOfMemoryError included, fails the property with the input in hex.
 */
class CodecFuzzTest {

    @Property(tries = 1000)
    void shouldRejectRandomBytesWithTheDocumentedExceptionOnly(@ForAll @Size(max = 256) byte[] bytes) {
        feedToEveryDecoder(bytes, "random");
    }

    @Property(tries = 500)
    void shouldRejectRandomProtobufShapedBytesWithTheDocumentedExceptionOnly(@ForAll long seed) {
        Random random = new Random(seed);
        feedToEveryDecoder(Mutations.randomMessage(random, 0), "random protobuf-shaped");
    }

    @Property(tries = 700)
    void shouldFailOnlyWithTheDocumentedExceptionOnMutatedEncodings(
            @ForAll("corpus") List<byte[]> corpus, @ForAll("corpus") List<byte[]> donors, @ForAll long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < 4; i++) {
            byte[] input = corpus.get(random.nextInt(corpus.size()));
            byte[] donor = donors.get(random.nextInt(donors.size()));
            feedToEveryDecoder(Mutations.mutate(input, donor, random), "mutated");
        }
    }

    @Property(tries = 40)
    void shouldFailOnlyWithTheDocumentedExceptionWhenAnyFieldIsDuplicated(@ForAll("corpus") List<byte[]> corpus,
            @ForAll long seed) {
        byte[] input = corpus.get(new Random(seed).nextInt(corpus.size()));
        List<Mutations.Field> tree = Mutations.parse(input, 0);
        if (tree == null) {
            return;
        }
        List<List<Mutations.Field>> lists = new ArrayList<>();
        collect(tree, lists);
        for (List<Mutations.Field> list : lists) {
            for (int i = 0; i < list.size(); i++) {
                list.add(i + 1, list.get(i).copy());
                feedToEveryDecoder(Mutations.write(tree), "field-duplicated");
                list.remove(i + 1);
            }
        }
    }

    @Property(tries = 8)
    void shouldFailOnlyWithTheDocumentedExceptionAtEveryTruncation(@ForAll("corpus") List<byte[]> corpus, @ForAll long seed) {
        byte[] largest = corpus.stream().max(Comparator.comparingInt(b -> b.length)).orElseThrow();
        byte[] any = corpus.get(new Random(seed).nextInt(corpus.size()));
        for (byte[] input : List.of(largest, any)) {
            for (int n = 0; n < input.length; n++) {
                feedToEveryDecoder(java.util.Arrays.copyOf(input, n), "truncated");
            }
        }
    }

    @Provide
    @SuppressWarnings({"unchecked", "rawtypes"})
    Arbitrary<List<byte[]>> corpus() {
        List<Arbitrary<List<byte[]>>> perType = new ArrayList<>();
        for (Type<?> t : Types.ALL) {
            perType.add(Generators.runs((Type) t).map(run -> encodings((Type) t, (Run) run)));
        }
        return Arbitraries.oneOf(perType);
    }

    /** Encodings of a run's values, typed and type-tagged (never empty: the bottom state is in every run). */
    private static <T extends Crdt<T>> List<byte[]> encodings(Type<T> type, Run<T> run) {
        List<byte[]> out = new ArrayList<>();
        for (T v : run.all()) {
            out.add(type.codec().encode(v));
            out.add(type.crdt().encode(v));
        }
        return out;
    }

    private static void collect(List<Mutations.Field> fields, List<List<Mutations.Field>> out) {
        out.add(fields);
        for (Mutations.Field f : fields) {
            if (f.children != null) {
                collect(f.children, out);
            }
        }
    }

    static void feedToEveryDecoder(byte[] input, String how) {
        for (Decoder d : Types.DECODERS) {
            Checks.assertOnlyDocumentedFailure(d, input, how);
        }
    }
}
