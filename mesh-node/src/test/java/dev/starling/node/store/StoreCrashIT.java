package dev.starling.node.store;

import static dev.starling.node.store.StoreCrashChild.addBatch;
import static dev.starling.node.store.StoreCrashChild.payload;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.Hlc;
import dev.starling.crdt.ReplicaId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Multi-process tests (run by failsafe in the integration-test phase): a child JVM writing to the
 * store is killed with SIGKILL at a random point, several times over, and after each kill the
 * parent reopens the directory and checks that every batch whose commit had returned is there,
 * intact, and that nothing of a later batch is (commits are atomic). Then: a second process cannot
 * open a directory that is open, and can once its owner has died.
 *
 * <p>A SIGKILL tests crashes of the process, not of the machine: the kernel still writes out what
 * the dead process had written, so no sync policy may lose a returned commit here. Power loss is
 * what {@link SyncPolicy} is about and is not simulated (docs/storage.md).
 *
 * <p>The kill points come from a seed printed in every assertion message; set the system property
 * {@code store.crash.seed} to replay one (the timing of the child still varies).
 */
class StoreCrashIT {

    private static final int ROUNDS = 3;
    private static final int MAX_COMMITS_BEFORE_KILL = 200;
    private static final Pattern COMMITTED = Pattern.compile("committed (\\d+) ok");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = SyncPolicy.class, names = {"ALWAYS", "INTERVAL"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldKeepEveryReturnedCommitWhenKilled(SyncPolicy policy) throws Exception {
        long seed = Long.getLong("store.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        Path dir = tmp.resolve("data");
        ReplicaId replica = null;
        long lastPrinted = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // Sometimes before the first commit, mostly somewhere in the middle of a stream of them.
            int killAfter = random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(MAX_COMMITS_BEFORE_KILL);
            String context = "seed " + seed + ", round " + round + ", kill after " + killAfter + " commits";

            Child child = Child.start(tmp, dir, policy, "write", "1000000");
            String open = child.readLine(context);
            assertThat(open).as(context).startsWith("open ");
            String[] parts = open.split(" ");
            if (replica == null) {
                replica = ReplicaId.parse(parts[1]);
            }
            assertThat(ReplicaId.parse(parts[1])).as(context).isEqualTo(replica);
            assertThat(Long.parseLong(parts[2])).as(context + ": the child resumes after the last batch").isGreaterThanOrEqualTo(lastPrinted);
            for (int i = 0; i < killAfter; i++) {
                child.readLine(context);
            }
            List<String> rest = child.kill();
            for (String line : child.linesRead()) {
                lastPrinted = Math.max(lastPrinted, committedSeq(line));
            }
            for (String line : rest) {
                lastPrinted = Math.max(lastPrinted, committedSeq(line));
            }

            try (Store store = Store.open(dir, StoreCrashChild.config(SyncPolicy.NONE))) {
                long last = store.lastDeltaSeq();
                assertThat(last).as(context + ": every printed commit is in the store").isGreaterThanOrEqualTo(lastPrinted);
                assertThat(last).as(context + ": at most the one batch after the last printed").isLessThanOrEqualTo(lastPrinted + 1);
                assertThat(store.replicaId()).as(context).isEqualTo(replica);
                assertHoldsExactlyBatches(store, last, context);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseASecondProcessUntilTheOwnerDies() throws Exception {
        Path dir = tmp.resolve("data");
        try (Store store = Store.open(dir, StoreCrashChild.config(SyncPolicy.ALWAYS))) {
            Batch batch = store.batch();
            addBatch(batch, 1, store.replicaId());
            batch.commit();
        }
        Child owner = Child.start(tmp, dir, SyncPolicy.ALWAYS, "hold");
        String open = owner.readLine("owner");
        assertThat(open).startsWith("open ");

        assertThatThrownBy(() -> Store.open(dir, StoreCrashChild.config(SyncPolicy.ALWAYS)))
                .isInstanceOf(StoreLockedException.class)
                .hasMessageContaining("in use by another process")
                .hasMessageContaining("pid " + owner.pid());

        owner.kill();
        try (Store store = Store.open(dir, StoreCrashChild.config(SyncPolicy.ALWAYS))) {
            assertHoldsExactlyBatches(store, 1, "after the owner was killed");
        }
    }

    /** The batch a complete "committed <seq> ok" line names, or 0 (a line cut by the kill ends early). */
    private static long committedSeq(String line) {
        Matcher m = COMMITTED.matcher(line);
        return m.matches() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The store holds batches 1..last of {@link StoreCrashChild}, each intact, and nothing else. */
    private static void assertHoldsExactlyBatches(Store store, long last, String context) {
        if (last == 0) {
            assertThat(store.objectCount()).as(context + ": no batch, no object").isZero();
            assertThat(store.forEachDelta(0, (seq, delta) -> true)).as(context + ": no batch, no delta").isZero();
            assertThat(store.hlcHighWaterMark()).as(context).isNull();
            return;
        }
        assertThat(store.object("last")).as(context).isEqualTo(StoreLayout.u64(last));
        assertThat(store.objectCount()).as(context).isEqualTo(Math.min(last, StoreCrashChild.OBJECTS) + 1);
        for (long seq = Math.max(1, last - StoreCrashChild.OBJECTS + 1); seq <= last; seq++) {
            assertThat(store.object(StoreCrashChild.objectName(seq))).as(context + ": object of batch " + seq)
                    .isEqualTo(payload(seq, 200));
        }
        long[] expectedSeq = {1};
        long visited = store.forEachDelta(0, (seq, delta) -> {
            assertThat(seq).as(context).isEqualTo(expectedSeq[0]);
            assertThat(delta).as(context + ": delta " + seq).isEqualTo(payload(-seq, 100 + (int) (seq % 300)));
            expectedSeq[0]++;
            return true;
        });
        assertThat(visited).as(context + ": deltas").isEqualTo(last);
        for (long seq = Math.max(1, last - StoreCrashChild.PEERS + 1); seq <= last; seq++) {
            assertThat(store.ack(StoreCrashChild.peer(seq))).as(context + ": ack of batch " + seq).isEqualTo(seq);
        }
        assertThat(store.hlcHighWaterMark()).as(context)
                .isEqualTo(new Hlc(StoreCrashChild.HLC_BASE_MS + last, (int) (last % 7), store.replicaId()));
    }

    /** A child JVM running {@link StoreCrashChild} on the test classpath. */
    private static final class Child {
        private final Process process;
        private final BufferedReader stdout;
        private final Path stderr;
        private final List<String> linesRead = new ArrayList<>();

        private Child(Process process, Path stderr) {
            this.process = process;
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
            this.stderr = stderr;
        }

        static Child start(Path tmp, Path dir, SyncPolicy policy, String... args) throws IOException {
            Path stderr = Files.createTempFile(tmp, "child", ".err");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    // lmdbjava extracts its native library per JVM and deletes it on a normal exit
                    // only; a killed child's copy lands in the test's temp dir.
                    "-Dlmdbjava.extract.dir=" + tmp,
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-XX:TieredStopAtLevel=1",
                    StoreCrashChild.class.getName(),
                    dir.toString(), policy.name()));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command)
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new Child(process, stderr);
        }

        long pid() {
            return process.pid();
        }

        String readLine(String context) throws IOException {
            String line = stdout.readLine();
            if (line == null) {
                throw new AssertionError(context + ": child ended early, exit code "
                        + exitCode() + ", stderr:\n" + Files.readString(stderr));
            }
            linesRead.add(line);
            return line;
        }

        List<String> linesRead() {
            return linesRead;
        }

        /**
         * SIGKILL, wait for the end, and return what it printed that was not read yet. Killed
         * through its {@link ProcessHandle}: {@link Process#destroyForcibly()} would also close
         * our end of its stdout, and the lines still in the pipe would be lost.
         */
        List<String> kill() throws IOException, InterruptedException {
            process.toHandle().destroyForcibly();
            process.waitFor();
            List<String> rest = new ArrayList<>();
            for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                rest.add(line);
            }
            stdout.close();
            process.getOutputStream().close();
            return rest;
        }

        private String exitCode() {
            try {
                return Integer.toString(process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }
    }
}
