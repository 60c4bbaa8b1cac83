package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MvRegisterTest {

    @Test
    void shouldKeepExactlyConcurrentSiblings() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        TestReplica b = TestReplica.of(0xB, 1_000);
        TestReplica c = TestReplica.of(0xC, 1_000);
        MvRegister<Integer> shared = MvRegister.<Integer>empty().write(TestReplica.of(0xD, 900).now(), 0);
        MvRegister<Integer> fromA = shared.writeDelta(a.now(), 1);
        MvRegister<Integer> fromB = shared.writeDelta(b.now(), 2);
        MvRegister<Integer> fromC = shared.writeDelta(c.now(), 3);

        MvRegister<Integer> merged = shared.merge(fromA).merge(fromB).merge(fromC);
        assertThat(merged.resolve(Resolvers.siblings())).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(merged).isEqualTo(shared.merge(fromC).merge(fromA.merge(fromB)));
        assertThat(merged.resolve(Resolvers.averageOfNumbers(Integer::doubleValue))).isEqualTo(2.0);
        // equal physical time and logical count: the largest replica id wins the lww reading
        assertThat(merged.resolve(Resolvers.lww())).isEqualTo(3);
    }

    /** The example of the class comment: B saw A's write, so B's write replaces it. */
    @Test
    void shouldReplaceSiblingsSeenByLaterWrite() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        TestReplica b = TestReplica.of(0xB, 1_000);
        MvRegister<Integer> atA = MvRegister.<Integer>empty().write(a.now(), 1);
        MvRegister<Integer> atB = MvRegister.<Integer>empty().merge(atA);
        MvRegister<Integer> second = atB.writeDelta(b.now(), 2);
        atB = atB.merge(second);
        assertThat(atB.resolve(Resolvers.siblings())).containsExactly(2);
        assertThat(atA.merge(second).resolve(Resolvers.siblings())).containsExactly(2);

        // a concurrent write at A (it had not seen B's) survives next to B's
        MvRegister<Integer> third = atA.writeDelta(a.now(), 3);
        MvRegister<Integer> both = atB.merge(third);
        assertThat(both.resolve(Resolvers.siblings())).containsExactlyInAnyOrder(2, 3);
        // a write that saw both replaces both
        MvRegister<Integer> resolved = both.write(b.now(), 4);
        assertThat(resolved.siblings()).extracting(MvRegister.Sibling::value).containsExactly(4);
        assertThat(both.merge(both.writeDelta(b.now(), 4)).siblings()).hasSize(1);
    }

    @Test
    void shouldClearOnlyWhatWasSeen() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        TestReplica b = TestReplica.of(0xB, 1_000);
        MvRegister<String> shared = MvRegister.<String>empty().write(a.now(), "x");
        MvRegister<String> clear = shared.clearDelta();
        MvRegister<String> concurrent = shared.writeDelta(b.now(), "y");
        MvRegister<String> merged = shared.merge(clear).merge(concurrent);
        assertThat(merged.resolve(Resolvers.siblings())).containsExactly("y");
        assertThat(shared.clear().isEmpty()).isTrue();
        assertThat(shared.clear()).isEqualTo(shared.merge(clear));
    }

    @Test
    void shouldResolveVectorsAndUnions() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        TestReplica b = TestReplica.of(0xB, 1_000);
        MvRegister<List<String>> r = MvRegister.<List<String>>empty().write(a.now(), List.of("p", "q"))
            .merge(MvRegister.<List<String>>empty().write(b.now(), List.of("q", "r")));
        assertThat(r.resolve(Resolvers.union(v -> v))).containsExactly("p", "q", "r");
        MvRegister<double[]> v = MvRegister.<double[]>empty().write(a.now(), new double[] {1, 0})
            .merge(MvRegister.<double[]>empty().write(b.now(), new double[] {0, 1}));
        assertThat(v.resolve(Resolvers.averageOfVectors(x -> x))).containsExactly(0.5, 0.5);
        assertThat(MvRegister.<Integer>empty().resolve(Resolvers.lww())).isNull();
    }
}
