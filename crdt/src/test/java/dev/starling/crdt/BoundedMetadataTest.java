package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Metadata stays bounded: removed elements and keys leave nothing behind (no tombstones), contexts
 * compact to one version-vector entry per writer once delivery has no gaps, and a register keeps
 * only what it has not overwritten.
 */
class BoundedMetadataTest {

    private static final List<ReplicaId> WRITERS = List.of(new ReplicaId(0xA), new ReplicaId(0xB), new ReplicaId(0xC));
    private static final int N = 300;

    @Test
    void shouldLeaveNothingOfRemovedOrSetElements() {
        Random random = new Random(7);
        List<OrSet<Integer>> replicas = new ArrayList<>(List.of(OrSet.empty(), OrSet.empty(), OrSet.empty()));
        List<OrSet<Integer>> deltas = new ArrayList<>();
        // every element added at a random replica, some at two
        for (int e = 0; e < N; e++) {
            for (int copies = 1 + random.nextInt(2); copies > 0; copies--) {
                int r = random.nextInt(3);
                OrSet<Integer> d = replicas.get(r).addDelta(WRITERS.get(r), e);
                replicas.set(r, replicas.get(r).merge(d));
                deltas.add(d);
            }
        }
        deliverShuffled(replicas, deltas, random, OrSet::merge);
        assertThat(replicas.get(0).size()).isEqualTo(N);
        assertThat(replicas.get(0).context().cloudSize()).isZero();

        // removed at random replicas, half of them in delta groups
        deltas.clear();
        for (int e = 0; e < N; e++) {
            int r = random.nextInt(3);
            OrSet<Integer> d = replicas.get(r).removeDelta(e);
            replicas.set(r, replicas.get(r).merge(d));
            deltas.add(d);
        }
        List<OrSet<Integer>> grouped = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i += 2) {
            grouped.add(i + 1 < deltas.size() ? deltas.get(i).merge(deltas.get(i + 1)) : deltas.get(i));
        }
        deliverShuffled(replicas, grouped, random, OrSet::merge);

        for (OrSet<Integer> s : replicas) {
            assertThat(s).isEqualTo(replicas.get(0));
            assertThat(s.isEmpty()).isTrue();
            assertThat(s.store().isEmpty()).isTrue();
            assertThat(s.context().cloudSize()).isZero();
            assertThat(s.context().versionVectorSize()).isEqualTo(WRITERS.size());
        }
        // and a later add needs one dot again
        OrSet<Integer> again = replicas.get(0).add(WRITERS.get(0), 1);
        assertThat(OrSetLawsTest.dotCount(again.store())).isEqualTo(1);
    }

    @Test
    void shouldKeepOneDotPerLiveElementAfterPartialRemoval() {
        OrSet<Integer> s = OrSet.empty();
        for (int e = 0; e < N; e++) {
            s = s.add(WRITERS.get(e % 3), e).add(WRITERS.get((e + 1) % 3), e);
        }
        for (int e = 0; e < N; e += 2) {
            s = s.remove(e);
        }
        for (int e = 1; e < N; e += 4) {
            s = s.add(WRITERS.get(0), e);
        }
        assertThat(s.size()).isEqualTo(N / 2);
        assertThat(OrSetLawsTest.dotCount(s.store())).isEqualTo(N / 2);
        assertThat(s.context().cloudSize()).isZero();
    }

    @Test
    void shouldLeaveNothingOfRemovedOrMapKeysAndTheirNestedStores() {
        Random random = new Random(11);
        List<OrMap<Integer, DotMap<String, DotSet>>> replicas = new ArrayList<>(List.of(OrMap.empty(), OrMap.empty(), OrMap.empty()));
        List<OrMap<Integer, DotMap<String, DotSet>>> deltas = new ArrayList<>();
        for (int k = 0; k < N / 3; k++) {
            for (String tag : List.of("a", "b", "c")) {
                int r = random.nextInt(3);
                ReplicaId w = WRITERS.get(r);
                OrMap<Integer, DotMap<String, DotSet>> d =
                    replicas.get(r).updateDelta(k, DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, w, tag));
                replicas.set(r, replicas.get(r).merge(d));
                deltas.add(d);
            }
        }
        deliverShuffled(replicas, deltas, random, OrMap::merge);
        assertThat(replicas.get(0).size()).isEqualTo(N / 3);

        deltas.clear();
        for (int k = 0; k < N / 3; k++) {
            int r = random.nextInt(3);
            int key = k;
            // a third of the keys lose their tags one by one, the rest are removed whole
            OrMap<Integer, DotMap<String, DotSet>> d = replicas.get(r).removeDelta(key);
            if (k % 3 == 0) {
                d = OrMap.empty();
                for (String tag : List.of("a", "b", "c")) {
                    OrMap<Integer, DotMap<String, DotSet>> one =
                        replicas.get(r).updateDelta(key, DotMap.empty(), (s, c) -> OrSet.removeDelta(s, tag));
                    replicas.set(r, replicas.get(r).merge(one));
                    d = d.isBottom() ? one : d.merge(one);
                }
            }
            replicas.set(r, replicas.get(r).merge(d));
            deltas.add(d);
        }
        deliverShuffled(replicas, deltas, random, OrMap::merge);

        for (OrMap<Integer, DotMap<String, DotSet>> m : replicas) {
            assertThat(m).isEqualTo(replicas.get(0));
            assertThat(m.size()).isZero();
            assertThat(m.store().isEmpty()).isTrue();
            assertThat(OrSetLawsTest.dotCount(m.store())).isZero();
            assertThat(m.context().cloudSize()).isZero();
            assertThat(m.context().versionVectorSize()).isEqualTo(WRITERS.size());
        }
        // a key written again starts from its new content only
        ReplicaId w = WRITERS.get(1);
        OrMap<Integer, DotMap<String, DotSet>> again =
            replicas.get(0).update(5, DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, w, "z"));
        assertThat(again.get(5).keys()).containsExactly("z");
        assertThat(OrSetLawsTest.dotCount(again.store())).isEqualTo(1);
    }

    @Test
    void shouldHoldOneSiblingAfterAThousandRewrites() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        MvRegister<Integer> r = MvRegister.empty();
        for (int i = 0; i < 1000; i++) {
            r = i % 2 == 0 ? r.write(a.now(), i) : r.merge(r.writeDelta(a.now(), i));
        }
        assertThat(r.siblings()).hasSize(1);
        assertThat(r.siblings().get(0).value()).isEqualTo(999);
        assertThat(r.context().versionVector()).isEqualTo(Map.of(a.id, 1000L));
        assertThat(r.context().cloudSize()).isZero();

        // two writers taking turns, each having seen the other's last write
        TestReplica b = TestReplica.of(0xB, 1_000);
        MvRegister<Integer> atA = r;
        MvRegister<Integer> atB = MvRegister.empty();
        for (int i = 0; i < 1000; i++) {
            if (i % 2 == 0) {
                MvRegister<Integer> d = atB.merge(atA).writeDelta(b.now(), i);
                atB = atB.merge(atA).merge(d);
            } else {
                MvRegister<Integer> d = atA.merge(atB).writeDelta(a.now(), i);
                atA = atA.merge(atB).merge(d);
            }
        }
        MvRegister<Integer> merged = atA.merge(atB);
        assertThat(merged.siblings()).hasSize(1);
        assertThat(merged.context().versionVectorSize()).isEqualTo(2);
        assertThat(merged.context().cloudSize()).isZero();
    }

    /** Delivers every delta to every replica, each in its own shuffled order. */
    private static <T> void deliverShuffled(List<T> replicas, List<T> deltas, Random random, BinaryOperator<T> merge) {
        for (int r = 0; r < replicas.size(); r++) {
            List<T> order = new ArrayList<>(deltas);
            Collections.shuffle(order, random);
            T s = replicas.get(r);
            for (T d : order) {
                s = merge.apply(s, d);
            }
            replicas.set(r, s);
        }
    }
}
