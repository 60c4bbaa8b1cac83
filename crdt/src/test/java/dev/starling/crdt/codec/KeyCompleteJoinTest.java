package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.DotMap;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.ReplicaId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regressions found by the codec determinism properties: joins of key-complete deltas (see
 * {@link DotMap}) must give the same state, and so the same bytes, as joining the deltas one by one.
 */
class KeyCompleteJoinTest {

    private static final ReplicaId A = new ReplicaId(0xA);
    private static final ReplicaId B = new ReplicaId(0xB);
    private static final OrSetCodec<String> OR_SET_CODEC = new OrSetCodec<>(ValueCodec.utf8(), DecodeLimits.DEFAULT);

    @Test
    void shouldKeepAConcurrentAddWhenADeltaGroupBothRemovesAndAddsAnElement() throws Exception {
        OrSet<String> s = OrSet.<String>empty().add(A, "x");
        OrSet<String> remove = s.removeDelta("x");
        OrSet<String> concurrentAdd = OrSet.<String>empty().addDelta(B, "x");

        OrSet<String> oneByOne = s.merge(remove).merge(concurrentAdd);
        assertThat(oneByOne.elements()).containsExactly("x");
        for (OrSet<String> group : List.of(remove.merge(concurrentAdd), concurrentAdd.merge(remove))) {
            assertThat(group.store().removedKeys()).containsExactly("x");
            assertThat(s.merge(group)).isEqualTo(oneByOne);
            OrSet<String> decoded = OR_SET_CODEC.decode(OR_SET_CODEC.encode(group));
            assertThat(s.merge(decoded)).isEqualTo(oneByOne);
        }
    }
}
