package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OrMapTest {

    private static final ReplicaId A = new ReplicaId(0xA);
    private static final ReplicaId B = new ReplicaId(0xB);

    /** An OR-map of OR-sets. */
    private static OrMap<String, DotMap<String, DotSet>> add(OrMap<String, DotMap<String, DotSet>> m, ReplicaId r,
            String key, String element) {
        return m.merge(m.updateDelta(key, DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, r, element)));
    }

    @Test
    void shouldLetAnUpdateWinOverAConcurrentRemove() {
        OrMap<String, DotMap<String, DotSet>> shared = add(add(OrMap.empty(), A, "doc", "old"), A, "doc", "older");
        OrMap<String, DotMap<String, DotSet>> remove = shared.removeDelta("doc");
        OrMap<String, DotMap<String, DotSet>> update =
            shared.updateDelta("doc", DotMap.empty(), (s, c) -> OrSet.addDelta(s, c, B, "new"));

        OrMap<String, DotMap<String, DotSet>> atA = shared.merge(remove).merge(update);
        OrMap<String, DotMap<String, DotSet>> atB = shared.merge(update).merge(remove);
        assertThat(atA).isEqualTo(atB);
        assertThat(atA.keys()).containsExactly("doc");
        // the update survives; what the remove saw is gone
        assertThat(atA.get("doc").keys()).containsExactly("new");
    }

    @Test
    void shouldStartEmptyWhenARemovedKeyIsWrittenAgain() {
        OrMap<String, DotMap<String, DotSet>> m = add(add(OrMap.empty(), A, "doc", "a"), A, "doc", "b");
        OrMap<String, DotMap<String, DotSet>> stale = m;
        m = m.remove("doc");
        assertThat(m.containsKey("doc")).isFalse();
        assertThat(m.store().isEmpty()).isTrue();

        m = add(m, A, "doc", "c");
        assertThat(m.get("doc").keys()).containsExactly("c");
        // a replica that never saw the remove cannot bring the old content back
        assertThat(m.merge(stale).get("doc").keys()).containsExactly("c");
        assertThat(stale.merge(m).get("doc").keys()).containsExactly("c");
    }

    @Test
    void shouldRemoveAKeyWhenItsLastNestedEntryIsRemoved() {
        OrMap<String, DotMap<String, DotSet>> m = add(OrMap.empty(), A, "doc", "a");
        OrMap<String, DotMap<String, DotSet>> d = m.updateDelta("doc", DotMap.empty(), (s, c) -> OrSet.removeDelta(s, "a"));
        assertThat(m.merge(d).containsKey("doc")).isFalse();
        assertThat(m.update("doc", DotMap.empty(), (s, c) -> OrSet.removeDelta(s, "a"))).isEqualTo(m.merge(d));
    }

    /** Three levels: collection -> document -> field -> set of tags, concurrent edits and removals. */
    @Test
    void shouldSupportNestedOrMapsOfOrSets() {
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> m = OrMap.empty();
        m = m.merge(tag(m, A, "doc1", "tags", "red"));
        m = m.merge(tag(m, A, "doc1", "tags", "blue"));
        m = m.merge(tag(m, A, "doc1", "authors", "ann"));
        m = m.merge(tag(m, A, "doc2", "tags", "green"));
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> shared = m;

        // A removes doc1 while B concurrently tags it, and B also removes field tags of doc2
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> removeDoc1 = shared.removeDelta("doc1");
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> tagDoc1 = tag(shared, B, "doc1", "tags", "yellow");
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> untagDoc2 = shared.updateDelta("doc2", DotMap.empty(),
            (doc, c) -> {
                DotMap<String, DotSet> field = doc.get("tags");
                Causal<DotMap<String, DotSet>> d = OrSet.removeDelta(field == null ? DotMap.empty() : field, "green");
                return new Causal<>(DotMap.delta("tags", d.store()), d.context());
            });

        OrMap<String, DotMap<String, DotMap<String, DotSet>>> atA = shared.merge(removeDoc1).merge(untagDoc2).merge(tagDoc1);
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> atB = shared.merge(tagDoc1).merge(untagDoc2.merge(removeDoc1));
        OrMap<String, DotMap<String, DotMap<String, DotSet>>> atC = shared.merge(removeDoc1.merge(tagDoc1).merge(untagDoc2));
        assertThat(atA).isEqualTo(atB).isEqualTo(atC);
        assertThat(atA.merge(shared)).isEqualTo(atA);
        assertThat(shared.merge(atA)).isEqualTo(atA);

        assertThat(atA.keys()).containsExactly("doc1");
        assertThat(atA.get("doc1").keys()).containsExactly("tags");
        assertThat(atA.get("doc1").get("tags").keys()).containsExactly("yellow");
        assertThat(atA.context().cloudSize()).isZero();
    }

    /** The delta of adding {@code tag} under {@code doc/field}, built from the nested delta-mutators. */
    private static OrMap<String, DotMap<String, DotMap<String, DotSet>>> tag(
            OrMap<String, DotMap<String, DotMap<String, DotSet>>> m, ReplicaId r, String doc, String field, String tag) {
        return m.updateDelta(doc, DotMap.empty(), (d, c) -> {
            DotMap<String, DotSet> f = d.get(field);
            Causal<DotMap<String, DotSet>> delta = OrSet.addDelta(f == null ? DotMap.empty() : f, c, r, tag);
            return new Causal<>(DotMap.delta(field, delta.store()), delta.context());
        });
    }

    @Test
    void shouldHoldMultiValueRegistersUnderKeys() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        TestReplica b = TestReplica.of(0xB, 1_000);
        OrMap<String, DotFun<MvRegister.Timestamped<String>>> m = OrMap.empty();
        OrMap<String, DotFun<MvRegister.Timestamped<String>>> shared =
            m.update("title", DotFun.empty(), (s, c) -> MvRegister.writeDelta(s, c, a.now(), "draft"));
        OrMap<String, DotFun<MvRegister.Timestamped<String>>> fromA =
            shared.updateDelta("title", DotFun.empty(), (s, c) -> MvRegister.writeDelta(s, c, a.now(), "A's title"));
        OrMap<String, DotFun<MvRegister.Timestamped<String>>> fromB =
            shared.updateDelta("title", DotFun.empty(), (s, c) -> MvRegister.writeDelta(s, c, b.now(), "B's title"));
        OrMap<String, DotFun<MvRegister.Timestamped<String>>> merged = shared.merge(fromA).merge(fromB);
        List<String> values = MvRegister.siblingsOf(merged.get("title")).stream().map(MvRegister.Sibling::value).toList();
        assertThat(values).containsExactlyInAnyOrder("A's title", "B's title");
    }
}
