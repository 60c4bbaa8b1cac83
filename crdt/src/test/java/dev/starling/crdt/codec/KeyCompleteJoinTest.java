package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.OrMap;
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
    private static final OrMapCodec<String, DotMap<String, DotSet>> OR_MAP_CODEC = new OrMapCodec<>(ValueCodec.utf8(),
        StoreCodec.dotMap(ValueCodec.utf8(), StoreCodec.dotSet(DecodeLimits.DEFAULT), DecodeLimits.DEFAULT), DecodeLimits.DEFAULT);

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

    @Test
    void shouldKeepAConcurrentNestedAddWhenADeltaGroupBothRemovesAndUpdatesAKey() {
        OrMap<String, DotMap<String, DotSet>> s = OrMap.<String, DotMap<String, DotSet>>empty()
            .update("k", DotMap.empty(), (st, c) -> OrSet.addDelta(st, c, A, "y"));
        OrMap<String, DotMap<String, DotSet>> remove = s.removeDelta("k");
        OrMap<String, DotMap<String, DotSet>> concurrentAdd = OrMap.<String, DotMap<String, DotSet>>empty()
            .updateDelta("k", DotMap.empty(), (st, c) -> OrSet.addDelta(st, c, B, "x"));

        OrMap<String, DotMap<String, DotSet>> oneByOne = s.merge(remove).merge(concurrentAdd);
        assertThat(oneByOne.get("k").keys()).containsExactly("x");
        assertThat(s.merge(remove.merge(concurrentAdd))).isEqualTo(oneByOne);
        assertThat(s.merge(concurrentAdd.merge(remove))).isEqualTo(oneByOne);
    }

    @Test
    void shouldConvergeWhenANestedMapAdoptedFromADeltaMeetsFullStates() {
        OrMap<String, DotMap<String, DotSet>> addX = OrMap.<String, DotMap<String, DotSet>>empty()
            .updateDelta("k", DotMap.empty(), (st, c) -> OrSet.addDelta(st, c, A, "x"));
        OrMap<String, DotMap<String, DotSet>> a = OrMap.<String, DotMap<String, DotSet>>empty().merge(addX);
        OrMap<String, DotMap<String, DotSet>> addZ = a.updateDelta("k", DotMap.empty(), (st, c) -> OrSet.addDelta(st, c, A, "z"));
        a = a.merge(addZ);
        // C receives only the second add, then removes the key: its context has seen z but not x.
        OrMap<String, DotMap<String, DotSet>> c = OrMap.<String, DotMap<String, DotSet>>empty().merge(addZ);
        c = c.merge(c.removeDelta("k"));

        // B and E receive the same three things in different orders.
        OrMap<String, DotMap<String, DotSet>> b = OrMap.<String, DotMap<String, DotSet>>empty().merge(addX).merge(c).merge(a);
        OrMap<String, DotMap<String, DotSet>> e = OrMap.<String, DotMap<String, DotSet>>empty().merge(a).merge(c).merge(addX);

        assertThat(e.get("k").keys()).containsExactly("x");
        assertThat(b).isEqualTo(e);
        assertThat(OR_MAP_CODEC.encode(b)).isEqualTo(OR_MAP_CODEC.encode(e));
    }

    @Test
    void shouldKeepNoDeltaIndexInsideReplicaStates() {
        OrMap<String, DotMap<String, DotSet>> delta = OrMap.<String, DotMap<String, DotSet>>empty()
            .updateDelta("k", DotMap.empty(), (st, c) -> OrSet.addDelta(st, c, A, "x"));
        assertThat(delta.get("k").isKeyComplete()).isTrue();

        OrMap<String, DotMap<String, DotSet>> received = OrMap.<String, DotMap<String, DotSet>>empty().merge(delta);
        OrMap<String, DotMap<String, DotSet>> local = OrMap.<String, DotMap<String, DotSet>>empty()
            .update("k", DotMap.empty(), (st, c) -> OrSet.addDelta(st, c, A, "x"));

        assertThat(received).isEqualTo(local);
        assertThat(received.store().isKeyComplete()).isFalse();
        assertThat(received.get("k").isKeyComplete()).isFalse();
        assertThat(OR_MAP_CODEC.encode(received)).isEqualTo(OR_MAP_CODEC.encode(local));
    }
}
