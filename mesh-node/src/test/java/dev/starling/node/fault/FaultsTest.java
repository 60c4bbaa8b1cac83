package dev.starling.node.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultsTest {

    private static final ReplicaId A = new ReplicaId(1);
    private static final ReplicaId B = new ReplicaId(2);
    private static final ReplicaId C = new ReplicaId(3);
    private static final ReplicaId D = new ReplicaId(4);

    @Test
    void shouldBlockNothingByDefault() {
        Faults f = new Faults(1);
        assertThat(f.blocked(A, B)).isFalse();
        assertThat(f.dropRandom()).isFalse();
        assertThat(f.delayMs()).isZero();
        assertThat(f.active()).isFalse();
    }

    @Test
    void shouldIsolateASetFromTheRestBothWays() {
        Faults f = new Faults(1).isolate(Set.of(A, B));
        assertThat(f.blocked(A, B)).isFalse();
        assertThat(f.blocked(C, D)).isFalse();
        assertThat(f.blocked(A, C)).isTrue();
        assertThat(f.blocked(C, A)).isTrue();
        assertThat(f.blocked(A, A)).isFalse();
        f.clear();
        assertThat(f.blocked(A, C)).isFalse();
        assertThat(f.active()).isFalse();
    }

    @Test
    void shouldSplitIntoAnyGroups() {
        Faults f = new Faults(1).partition(List.of(Set.of(A), Set.of(B)));
        assertThat(f.blocked(A, B)).isTrue();
        assertThat(f.blocked(A, C)).isTrue(); // C is in "the rest"
        assertThat(f.blocked(B, C)).isTrue();
        assertThat(f.blocked(C, D)).isFalse();
        assertThatThrownBy(() -> f.partition(List.of(Set.of(A), Set.of(A, B)))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldBlockOneDirectionOnly() {
        Faults f = new Faults(1).oneWay(A, B);
        assertThat(f.blocked(A, B)).isTrue();
        assertThat(f.blocked(B, A)).isFalse();
    }

    @Test
    void shouldDropAtTheGivenRateReproducibly() {
        List<Boolean> first = draws(new Faults(42).dropRate(0.3), 10_000);
        List<Boolean> second = draws(new Faults(42).dropRate(0.3), 10_000);
        assertThat(first).isEqualTo(second);
        long dropped = first.stream().filter(b -> b).count();
        assertThat(dropped).isBetween(2700L, 3300L);
        assertThat(draws(new Faults(1).dropRate(1.0), 100)).containsOnly(true);
        assertThatThrownBy(() -> new Faults(1).dropRate(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Faults(1).delayMs(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Faults(1).delayMs(25).delayMs()).isEqualTo(25);
    }

    private static List<Boolean> draws(Faults f, int n) {
        List<Boolean> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(f.dropRandom());
        }
        return out;
    }
}
