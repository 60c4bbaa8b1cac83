package dev.starling.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Last-writer-wins semantics of {@link LwwRegister} and {@link LwwMap}. */
class LwwTest {

    @Test
    void shouldPickHighestHlcWithReplicaTiebreak() {
        TestReplica a = TestReplica.of(0x0A, 1_000);
        TestReplica b = TestReplica.of(0x0B, 1_000);
        TestReplica high = TestReplica.of(0x8000_0000_0000_0000L, 1_000);

        // later physical time wins, whichever replica id
        LwwRegister<String> early = LwwRegister.of("early", high.now());
        LwwRegister<String> late = LwwRegister.of("late", a.advance(2).now());
        assertThat(early.merge(late).value()).isEqualTo("late");
        assertThat(late.merge(early).value()).isEqualTo("late");

        // same physical time and logical count: the larger replica id wins, compared unsigned
        Hlc fromB = b.advance(2).now();
        Hlc fromHigh = high.advance(2).now();
        assertThat(fromB.packedTime()).isEqualTo(fromHigh.packedTime());
        LwwRegister<String> x = LwwRegister.of("from B", fromB);
        LwwRegister<String> y = LwwRegister.of("from 8000...", fromHigh);
        assertThat(x.merge(y).value()).isEqualTo("from 8000...");
        assertThat(y.merge(x).value()).isEqualTo("from 8000...");
    }

    @Test
    void shouldOrderWithinOneMillisecondByLogicalCounter() {
        TestReplica a = TestReplica.of(0xFF, 1_000);
        TestReplica b = TestReplica.of(0x01, 1_000);
        Hlc first = a.now();
        b.clock().observe(first);
        Hlc second = b.now();
        assertThat(second.physicalMs()).isEqualTo(first.physicalMs());
        // B saw A's write and wrote after it in the same millisecond: B wins despite its smaller id
        LwwRegister<String> r = LwwRegister.of("a", first).merge(LwwRegister.of("b", second));
        assertThat(r.value()).isEqualTo("b");
    }

    @Test
    void shouldKeepADeletionSoAnOlderWriteCannotRevive() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        LwwRegister<String> written = LwwRegister.<String>empty().write("v", a.now());
        LwwRegister<String> deleted = written.write(null, a.advance(1).now());
        assertThat(deleted.isDeleted()).isTrue();
        assertThat(deleted.merge(written)).isEqualTo(deleted);
        assertThat(written.merge(deleted).value()).isNull();
    }

    /** The example of the class comment: concurrent writes to different keys both survive. */
    @Test
    void shouldMergeIndependentKeysAndDecideEachByHlc() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        TestReplica b = TestReplica.of(0xB, 1_000);
        LwwMap<String, String> doc = LwwMap.<String, String>empty().put("temperature", "0.7", a.now()).put("prompt", "hi", a.now());
        LwwMap<String, String> fromA = doc.putDelta("temperature", "0.2", a.advance(5).now());
        LwwMap<String, String> fromB = doc.putDelta("prompt", "hello", b.advance(3).now());
        // a write from a replica whose clock is behind and has not seen the others: older, loses
        LwwMap<String, String> older = doc.putDelta("prompt", "stale", TestReplica.of(0xC, 900).now());
        LwwMap<String, String> merged = doc.merge(fromB).merge(older).merge(fromA);
        assertThat(merged.toMap()).isEqualTo(Map.of("temperature", "0.2", "prompt", "hello"));
        assertThat(merged).isEqualTo(doc.merge(fromA).merge(fromB).merge(older));
    }

    @Test
    void shouldKeepTombstonesButNotCountThem() {
        TestReplica a = TestReplica.of(0xA, 1_000);
        LwwMap<String, Integer> m = LwwMap.<String, Integer>empty().put("x", 1, a.now()).put("y", 2, a.now());
        LwwMap<String, Integer> removed = m.remove("x", a.now());
        assertThat(removed.size()).isEqualTo(1);
        assertThat(removed.entryCount()).isEqualTo(2);
        assertThat(removed.containsKey("x")).isFalse();
        assertThat(removed.entry("x").isDeleted()).isTrue();
        assertThat(removed.merge(m)).isEqualTo(removed);
        assertThat(m.merge(removed.removeDelta("y", a.now())).size()).isEqualTo(1);
    }
}
