package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.proto.v1.FeedEntryProto;
import dev.starling.node.replication.Change;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.store.Batch;
import dev.starling.node.store.Store;
import dev.starling.node.store.StoreConfig;
import dev.starling.node.store.SyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change feed as the store keeps it: one record per agent cycle, read at change granularity.
 * Drives {@link ChangeFeed} with a {@link Store} directly, the way the replica agent does (append a
 * cycle's changes to a batch, commit, publish), and checks every page against the list of changes.
 */
class ChangeFeedRecordTest {

    private static final ReplicaId ORIGIN = new ReplicaId(7);
    private static final StoreConfig CONFIG = StoreConfig.builder()
        .syncPolicy(SyncPolicy.NONE)
        .mapSizeBytes(StoreConfig.MIN_MAP_SIZE_BYTES)
        .build();

    @TempDir
    Path tmp;

    /** Changes numbered from {@code from}: map puts of key "k<n>", with every third a set add or a counter. */
    private static List<Change> changes(int from, int count) {
        List<Change> out = new ArrayList<>();
        for (int n = from; n < from + count; n++) {
            Hlc hlc = new Hlc(1_000 + n, n % 3, ORIGIN);
            Change c = switch (n % 3) {
                case 0 -> new Change(new ObjectKey(ObjectKind.MAP, "cfg"), "k" + n, Change.Op.PUT, ORIGIN, hlc, null);
                case 1 -> new Change(new ObjectKey(ObjectKind.SET, "tags"), "é" + n, Change.Op.ADD, ORIGIN, hlc, null);
                default -> new Change(new ObjectKey(ObjectKind.COUNTER, "n" + n), null, Change.Op.UPDATE, ORIGIN, hlc, null);
            };
            out.add(c);
        }
        return out;
    }

    /** Appends, commits and publishes one cycle, as the agent does. */
    private static void cycle(Store store, ChangeFeed feed, List<Change> changes) {
        Batch batch = store.batch();
        long first = feed.append(batch, changes);
        batch.commit();
        feed.publish(first, changes);
    }

    private static String describe(ChangeFeed.Entry e) {
        return e.cursor() + ":" + e.object().name() + "/" + e.key() + "/" + e.op() + "/" + e.hlc();
    }

    private static List<String> expected(List<Change> all, long firstCursor, long since, int limit) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size() && out.size() < limit; i++) {
            long cursor = firstCursor + i;
            if (cursor > since) {
                Change c = all.get(i);
                out.add(cursor + ":" + c.object().name() + "/" + c.key() + "/" + c.op() + "/" + c.hlc());
            }
        }
        return out;
    }

    @Test
    void shouldPageAcrossCycleRecordsAtChangeGranularity() {
        try (Store store = Store.open(tmp.resolve("a"), CONFIG)) {
            ChangeFeed feed = new ChangeFeed(store);
            List<ChangeFeed.Entry> pushed = new CopyOnWriteArrayList<>();
            feed.subscribe(pushed::addAll);
            List<Change> all = changes(0, 11);
            int[] sizes = {3, 1, 5, 2};
            int at = 0;
            for (int size : sizes) {
                cycle(store, feed, all.subList(at, at + size));
                at += size;
            }
            assertThat(feed.lastCursor()).isEqualTo(11);
            assertThat(feed.firstCursor()).isEqualTo(1);
            for (long since = 0; since <= 12; since++) {
                for (int limit = 1; limit <= 12; limit++) {
                    assertThat(feed.read(since, limit)).extracting(ChangeFeedRecordTest::describe)
                        .as("since %d limit %d", since, limit)
                        .containsExactlyElementsOf(expected(all, 1, since, limit));
                }
            }
            assertThat(pushed).extracting(ChangeFeedRecordTest::describe)
                .containsExactlyElementsOf(expected(all, 1, 0, 100));
            // one LMDB record per cycle
            assertThat(store.forEachFeed(0, (first, bytes) -> true)).isEqualTo(sizes.length);
        }
    }

    @Test
    void shouldKeepCursorsAcrossARestartAndContinueAfterTheLast() {
        Path dir = tmp.resolve("b");
        List<Change> all = changes(0, 9);
        try (Store store = Store.open(dir, CONFIG)) {
            ChangeFeed feed = new ChangeFeed(store);
            cycle(store, feed, all.subList(0, 4));
            cycle(store, feed, all.subList(4, 7));
        }
        try (Store store = Store.open(dir, CONFIG)) {
            ChangeFeed feed = new ChangeFeed(store);
            assertThat(feed.lastCursor()).isEqualTo(7);
            assertThat(feed.read(2, 3)).extracting(ChangeFeedRecordTest::describe)
                .containsExactlyElementsOf(expected(all.subList(0, 7), 1, 2, 3));
            cycle(store, feed, all.subList(7, 9));
            assertThat(feed.read(0, 100)).extracting(ChangeFeedRecordTest::describe)
                .containsExactlyElementsOf(expected(all, 1, 0, 100));
        }
    }

    @Test
    void shouldDropWholeRecordsOldestFirstWhenOverTheEntryBound() {
        Path dir = tmp.resolve("c");
        StoreConfig config = CONFIG.toBuilder().maxFeedEntries(6).build();
        List<Change> all = changes(0, 11);
        try (Store store = Store.open(dir, config)) {
            ChangeFeed feed = new ChangeFeed(store);
            cycle(store, feed, all.subList(0, 3));
            cycle(store, feed, all.subList(3, 4));
            cycle(store, feed, all.subList(4, 9));
            // 9 entries: the record 1..3 goes, 4 and 5..9 stay (6 entries, the bound)
            assertThat(feed.firstCursor()).isEqualTo(4);
            assertThat(feed.read(0, 100)).extracting(ChangeFeedRecordTest::describe)
                .containsExactlyElementsOf(expected(all.subList(3, 9), 4, 0, 100));
        }
        try (Store store = Store.open(dir, config)) {
            ChangeFeed feed = new ChangeFeed(store);
            assertThat(feed.firstCursor()).isEqualTo(4);
            cycle(store, feed, all.subList(9, 11));
            // 8 entries after a restart: the record 4 goes, then (still 7) the record 5..9
            assertThat(feed.firstCursor()).isEqualTo(10);
            assertThat(feed.lastCursor()).isEqualTo(11);
            assertThat(feed.read(3, 100)).extracting(ChangeFeedRecordTest::describe)
                .containsExactlyElementsOf(expected(all.subList(9, 11), 10, 0, 100));
        }
    }

    @Test
    void shouldReadARecordOfOneBareEntryAsWrittenBeforeRecordsHeldSeveral() {
        try (Store store = Store.open(tmp.resolve("d"), CONFIG)) {
            byte[] bare = FeedEntryProto.newBuilder().setKind(ObjectKind.MAP.tag()).setObject("cfg").setKey("x")
                .setOp(Change.Op.PUT.ordinal() + 1).setOrigin(ORIGIN.value()).build().toByteArray();
            store.batch().appendFeed(1, 1, bare).commit();
            ChangeFeed feed = new ChangeFeed(store);
            List<Change> next = changes(0, 2);
            cycle(store, feed, next);
            List<ChangeFeed.Entry> all = feed.read(0, 100);
            assertThat(all).extracting(ChangeFeed.Entry::cursor).containsExactly(1L, 2L, 3L);
            assertThat(describe(all.get(0))).isEqualTo("1:cfg/x/PUT/null");
            assertThat(feed.read(1, 100)).extracting(ChangeFeed.Entry::cursor).containsExactly(2L, 3L);
        }
    }

    @Test
    void shouldRefuseAFeedRecordThatLeavesAGapOrHoldsNothing() {
        try (Store store = Store.open(tmp.resolve("e"), CONFIG)) {
            assertThatThrownBy(() -> store.batch().appendFeed(2, 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.batch().appendFeed(1, 0, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.batch().appendFeed(1, 2, new byte[0]).appendFeed(2, 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * Random cycles, random bounds and random restarts: after each step every page (random since,
     * random limit) equals the same slice of the list of all changes kept, and the feed holds at
     * most the bound.
     */
    @Property(tries = 60)
    void shouldAgreeWithAListOfChangesWhateverTheCyclesBoundsAndRestarts(
            @ForAll("cycles") List<Integer> cycleSizes, @ForAll("bounds") int maxEntries, @ForAll long seed)
            throws IOException {
        Path dir = Files.createTempDirectory("feed-records"); // @TempDir is JUnit's, not jqwik's
        StoreConfig config = CONFIG.toBuilder().maxFeedEntries(maxEntries).build();
        Random random = new Random(seed);
        List<Change> all = changes(0, cycleSizes.stream().mapToInt(Integer::intValue).sum());
        Store store = Store.open(dir, config);
        try {
            ChangeFeed feed = new ChangeFeed(store);
            int at = 0;
            for (int size : cycleSizes) {
                cycle(store, feed, all.subList(at, at + size));
                at += size;
                if (random.nextInt(4) == 0) {
                    store.close();
                    store = Store.open(dir, config);
                    feed = new ChangeFeed(store);
                }
                long first = feed.firstCursor();
                long last = feed.lastCursor();
                assertThat(last).isEqualTo(at);
                if (first != 0) {
                    assertThat(last - first + 1).isLessThanOrEqualTo(maxEntries);
                }
                List<Change> kept = first == 0 ? List.of() : all.subList((int) first - 1, at);
                for (int probe = 0; probe < 8; probe++) {
                    long since = random.nextInt(at + 2);
                    int limit = 1 + random.nextInt(12);
                    assertThat(feed.read(since, limit)).extracting(ChangeFeedRecordTest::describe)
                        .as("since %d limit %d", since, limit)
                        .containsExactlyElementsOf(expected(kept, first, since, limit));
                }
            }
        } finally {
            store.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Provide
    Arbitrary<List<Integer>> cycles() {
        return Arbitraries.integers().between(1, 9).list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<Integer> bounds() {
        return Arbitraries.integers().between(1, 40);
    }
}
