package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CausalContextTest {

    private static final ReplicaId A = new ReplicaId(0xA);
    private static final ReplicaId B = new ReplicaId(0xB);
    /** Sorts after A and B: replica ids are ordered as unsigned numbers. */
    private static final ReplicaId HIGH = new ReplicaId(0x8000_0000_0000_0001L);
    private static final List<ReplicaId> REPLICAS = List.of(A, B, HIGH);
    private static final int MAX_COUNTER = 12;

    private static Dot a(long counter) {
        return new Dot(A, counter);
    }

    private static Dot b(long counter) {
        return new Dot(B, counter);
    }

    @Test
    void shouldFoldOutOfOrderDotsIntoTheVersionVectorWhenTheGapCloses() {
        CausalContext c = CausalContext.of(a(1), a(3), a(4), b(2));
        assertThat(c.versionVector()).containsExactly(Map.entry(A, 1L));
        assertThat(c.cloud()).containsExactly(a(3), a(4), b(2));

        CausalContext closed = c.add(a(2));
        assertThat(closed.versionVector()).containsExactly(Map.entry(A, 4L));
        assertThat(closed.cloud()).containsExactly(b(2));

        CausalContext all = closed.merge(CausalContext.of(b(1)));
        assertThat(all.versionVector()).containsExactly(Map.entry(A, 4L), Map.entry(B, 2L));
        assertThat(all.cloudSize()).isZero();
        assertThat(all).isEqualTo(CausalContext.of(Map.of(A, 4L, B, 2L), List.of()));
    }

    @Test
    void shouldMergeAsTheUnionOfDots() {
        CausalContext left = CausalContext.of(a(1), a(2), b(3));
        CausalContext right = CausalContext.of(a(4), b(1), b(2), new Dot(HIGH, 1));
        CausalContext merged = left.merge(right);

        assertThat(merged).isEqualTo(right.merge(left));
        assertThat(merged.versionVector()).containsExactly(Map.entry(A, 2L), Map.entry(B, 3L), Map.entry(HIGH, 1L));
        assertThat(merged.cloud()).containsExactly(a(4));
        assertThat(merged.covers(left)).isTrue();
        assertThat(merged.covers(right)).isTrue();
        assertThat(left.covers(merged)).isFalse();
        assertThat(merged.merge(CausalContext.empty())).isSameAs(merged);
    }

    @Test
    void shouldContainVectorAndCloudDotsOnly() {
        CausalContext c = CausalContext.of(a(1), a(2), a(5));
        assertThat(c.contains(a(1))).isTrue();
        assertThat(c.contains(a(2))).isTrue();
        assertThat(c.contains(a(3))).isFalse();
        assertThat(c.contains(a(5))).isTrue();
        assertThat(c.contains(a(6))).isFalse();
        assertThat(c.contains(b(1))).isFalse();
    }

    @Test
    void shouldIssueTheNextDotPastTheHighestSeenIncludingTheCloud() {
        assertThat(CausalContext.empty().nextDot(A)).isEqualTo(a(1));
        CausalContext c = CausalContext.of(a(1), a(2), a(7), b(3));
        assertThat(c.max(A)).isEqualTo(7);
        assertThat(c.nextDot(A)).isEqualTo(a(8));
        assertThat(c.max(B)).isEqualTo(3);
        assertThat(c.nextDot(B)).isEqualTo(b(4));
        assertThat(c.max(HIGH)).isZero();
    }

    @Test
    void shouldKeepNoCloudForAGapFreeHistory() {
        CausalContext c = CausalContext.empty();
        for (int i = 1; i <= 1000; i++) {
            c = c.add(a(i)).add(b(i));
        }
        assertThat(c.cloudSize()).isZero();
        assertThat(c.versionVectorSize()).isEqualTo(2);
        assertThat(c.dotCount()).isEqualTo(2000);
    }

    @Test
    void shouldCompactDecodedPartsAndRejectBadCounters() {
        CausalContext c = CausalContext.of(Map.of(A, 2L), List.of(a(1), a(3), a(5), b(1)));
        assertThat(c.versionVector()).containsExactly(Map.entry(A, 3L), Map.entry(B, 1L));
        assertThat(c.cloud()).containsExactly(a(5));
        assertThatThrownBy(() -> CausalContext.of(Map.of(A, 0L), List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    /** Out of order, in any order: once every gap is closed the cloud is empty. */
    @Property(tries = 200)
    void shouldCompactGapFreeHistoriesToAVersionVector(@ForAll("counts") List<Integer> counts, @ForAll long seed) {
        List<Dot> dots = new ArrayList<>();
        for (int r = 0; r < counts.size(); r++) {
            for (int c = 1; c <= counts.get(r); c++) {
                dots.add(new Dot(REPLICAS.get(r), c));
            }
        }
        Collections.shuffle(dots, new Random(seed));
        CausalContext byAdd = CausalContext.empty();
        CausalContext byMerge = CausalContext.empty();
        for (Dot d : dots) {
            byAdd = byAdd.add(d);
            byMerge = byMerge.merge(CausalContext.of(d));
        }
        for (CausalContext c : List.of(byAdd, byMerge, CausalContext.of(dots))) {
            assertThat(c.cloudSize()).isZero();
            assertThat(c.versionVectorSize()).isEqualTo((int) counts.stream().filter(n -> n > 0).count());
            for (int r = 0; r < counts.size(); r++) {
                assertThat(c.max(REPLICAS.get(r))).isEqualTo(counts.get(r).longValue());
            }
        }
    }

    @Provide
    Arbitrary<List<Integer>> counts() {
        return Arbitraries.integers().between(0, 40).list().ofSize(REPLICAS.size());
    }

    /**
     * Model-based: a context behaves as the set of its dots, however it was built (of, add in any
     * order, decoded parts, merges), and equal sets give equal contexts (compaction is canonical).
     */
    @Property(tries = 300)
    void shouldBehaveAsTheSetOfItsDots(@ForAll("dotSets") Set<Dot> x, @ForAll("dotSets") Set<Dot> y, @ForAll long seed) {
        CausalContext cx = CausalContext.of(x);
        CausalContext cy = build(y, new Random(seed));
        assertBehavesAs(cx, x);
        assertBehavesAs(cy, y);
        assertThat(CausalContext.of(cy.versionVector(), cy.cloud())).isEqualTo(cy);

        Set<Dot> union = new HashSet<>(x);
        union.addAll(y);
        CausalContext merged = cx.merge(cy);
        assertBehavesAs(merged, union);
        assertThat(merged).isEqualTo(cy.merge(cx)).isEqualTo(CausalContext.of(union));
        assertThat(merged.hashCode()).isEqualTo(CausalContext.of(union).hashCode());
        assertThat(cx.covers(cy)).isEqualTo(x.containsAll(y));
        assertThat(cx.equals(cy)).isEqualTo(x.equals(y));
    }

    private static CausalContext build(Set<Dot> dots, Random random) {
        List<Dot> list = new ArrayList<>(dots);
        Collections.shuffle(list, random);
        switch (random.nextInt(3)) {
            case 0: {
                CausalContext c = CausalContext.empty();
                for (Dot d : list) {
                    c = c.add(d);
                }
                return c;
            }
            case 1: {
                int cut = list.isEmpty() ? 0 : random.nextInt(list.size() + 1);
                return CausalContext.of(list.subList(0, cut)).merge(CausalContext.of(list.subList(cut, list.size())));
            }
            default: {
                Map<ReplicaId, Long> vv = new HashMap<>();
                List<Dot> cloud = new ArrayList<>();
                for (ReplicaId r : REPLICAS) {
                    long n = 0;
                    while (dots.contains(new Dot(r, n + 1)) && random.nextBoolean()) {
                        n++;
                    }
                    if (n > 0) {
                        vv.put(r, n);
                    }
                }
                for (Dot d : list) {
                    if (d.counter() > vv.getOrDefault(d.replica(), 0L) || random.nextBoolean()) {
                        cloud.add(d);
                    }
                }
                return CausalContext.of(vv, cloud);
            }
        }
    }

    private static void assertBehavesAs(CausalContext c, Set<Dot> model) {
        for (ReplicaId r : REPLICAS) {
            long max = 0;
            for (long n = 1; n <= MAX_COUNTER + 2; n++) {
                Dot d = new Dot(r, n);
                assertThat(c.contains(d)).as("contains %s in %s", d, c).isEqualTo(model.contains(d));
                if (model.contains(d)) {
                    max = n;
                }
            }
            assertThat(c.max(r)).isEqualTo(max);
            assertThat(c.nextDot(r)).isEqualTo(new Dot(r, max + 1));
        }
        assertThat(c.dotCount()).isEqualTo(model.size());
        assertThat(c.isEmpty()).isEqualTo(model.isEmpty());
        List<Dot> cloud = new ArrayList<>();
        c.forEachCloudDot(cloud::add);
        assertThat(cloud).isSorted().isEqualTo(c.cloud());
        c.forEachVersion((r, n) -> assertThat(model.contains(new Dot(r, n + 1))).as("vv of %s is maximal", r).isFalse());
    }

    @Provide
    Arbitrary<Set<Dot>> dotSets() {
        Arbitrary<Dot> dot = Combinators.combine(Arbitraries.of(REPLICAS),
            Arbitraries.longs().between(1, MAX_COUNTER)).as(Dot::new);
        return dot.set().ofMaxSize(25);
    }
}
