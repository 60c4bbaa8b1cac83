package dev.starling.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes from the built jar on loopback: writes on each converge on all (values and equal
 * digest roots); a node stopped with SIGTERM exits 0, the others see it leave, and after its restart
 * on the same data directory it has the same replica id, its data, and what was written meanwhile.
 */
class MeshIT {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldConvergeWritesOfEveryNodeAndKeepDataAcrossARestart() throws Exception {
        List<StarlingProcess> nodes = new ArrayList<>();
        try {
            StarlingProcess a = StarlingProcess.startNode(tmp.resolve("a"), "a", "--enable-fault-injection");
            nodes.add(a);
            StarlingProcess b = StarlingProcess.startNode(tmp.resolve("b"), "b", "--seed", a.seed());
            nodes.add(b);
            java.nio.file.Path config = tmp.resolve("c.yaml");
            java.nio.file.Files.writeString(config, "seed:\n  - " + a.seed() + "\n  - " + b.seed() + "\n");
            StarlingProcess c = StarlingProcess.startNode(tmp.resolve("c"), "c", "--config", config.toString());
            nodes.add(c);
            for (StarlingProcess n : nodes) {
                await("3 members alive on " + n.name, () -> aliveCount(n) == 3);
            }
            JsonNode members = a.get("/v1/members").json();
            Set<String> replicas = new HashSet<>();
            members.path("members").forEach(m -> replicas.add(m.path("replica").asText()));
            assertThat(replicas).containsExactlyInAnyOrder(a.replica, b.replica, c.replica);

            assertThat(a.put("/v1/maps/cfg/from-a", "\"a\"").status()).isEqualTo(200);
            assertThat(b.put("/v1/maps/cfg/from-b", "\"b\"").status()).isEqualTo(200);
            assertThat(c.post("/v1/sets/tasks", "{\"add\":[\"t-c\"]}").status()).isEqualTo(200);
            for (StarlingProcess n : nodes) {
                assertThat(n.post("/v1/counters/hits", "{\"delta\":5}").status()).isEqualTo(200);
            }
            StarlingProcess.Response acked = c.put("/v1/maps/cfg/from-c?ack=all&timeout_ms=5000", "\"c\"");
            assertThat(acked.status()).as(acked.body()).isEqualTo(200);
            assertThat(acked.json().path("acked").asInt()).isEqualTo(2);

            for (StarlingProcess n : nodes) {
                await("convergence on " + n.name, () -> converged(n));
            }
            awaitEqualRoots(nodes);
            await("replication metrics of a", () -> {
                String m = body(a, "/metrics");
                return m.contains("starling_replication_lag_seconds{peer=\"" + b.replica + "\"}")
                    && m.contains("starling_members{state=\"alive\"} 3.0")
                    && !m.contains("starling_deltas_sent_total 0.0") && !m.contains("starling_deltas_received_total 0.0")
                    && m.contains("starling_dataplane_sent_bytes{peer=\"" + b.replica + "\"}")
                    && m.contains("starling_dataplane_received_bytes{peer=\"" + b.replica + "\"}")
                    && m.contains("starling_dataplane_queue_depth{peer=\"" + b.replica + "\"}");
            });

            // SIGTERM: graceful leave, exit 0
            assertThat(c.terminate()).as("stderr:\n" + c.stderrText()).isZero();
            await("c seen gone by a", () -> aliveCount(a) == 2);
            assertThat(a.put("/v1/maps/cfg/while-c-away", "1").status()).isEqualTo(200);

            StarlingProcess c2 = StarlingProcess.startNode(tmp.resolve("c"), "c", "--seed", a.seed());
            nodes.add(c2);
            assertThat(c2.replica).isEqualTo(c.replica);
            assertThat(c2.get("/v1/sets/tasks").json().path("elements").toString()).isEqualTo("[\"t-c\"]");
            await("c caught up", () -> status(c2, "/v1/maps/cfg/while-c-away") == 200);
            await("c converged", () -> converged(c2));
            awaitEqualRoots(List.of(a, b, c2));

            // fault injection on a: b cut off from a, so only c2 can confirm a write of a
            assertThat(a.post("/v1/admin/faults", "{\"isolate\":[\"" + b.replica + "\"]}").status()).isEqualTo(200);
            assertThat(a.post("/v1/admin/faults", "{\"dropRate\":2}").status()).isEqualTo(400);
            StarlingProcess.Response cut = a.put("/v1/maps/cfg/during-cut?ack=2&timeout_ms=500", "1");
            assertThat(cut.status()).as(cut.body()).isEqualTo(202);
            assertThat(cut.json().path("acked").asInt()).isEqualTo(1);
            assertThat(a.delete("/v1/admin/faults").status()).isEqualTo(204);
            await("b got the write made during the cut", () -> status(b, "/v1/maps/cfg/during-cut") == 200);
            assertThat(b.get("/v1/admin/faults").status()).as("not enabled on b").isEqualTo(404);
        } finally {
            for (StarlingProcess n : nodes) {
                n.close();
            }
        }
    }

    private static boolean converged(StarlingProcess n) {
        try {
            JsonNode cfg = n.get("/v1/maps/cfg").json().path("entries");
            return cfg.path("from-a").asText().equals("a") && cfg.path("from-b").asText().equals("b")
                && cfg.path("from-c").asText().equals("c")
                && n.get("/v1/sets/tasks").json().path("elements").toString().equals("[\"t-c\"]")
                && n.get("/v1/counters/hits").json().path("value").asInt() == 15;
        } catch (Exception e) {
            return false;
        }
    }

    private static String body(StarlingProcess n, String path) {
        try {
            return n.get(path).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static int status(StarlingProcess n, String path) {
        try {
            return n.get(path).status();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitEqualRoots(List<StarlingProcess> nodes) throws Exception {
        await("equal digest roots", () -> {
            Set<String> roots = new HashSet<>();
            for (StarlingProcess n : nodes) {
                try {
                    roots.add(n.get("/v1/digest").json().path("root").asText());
                } catch (Exception e) {
                    return false;
                }
            }
            return roots.size() == 1;
        });
    }

    private static long aliveCount(StarlingProcess n) {
        try {
            long alive = 0;
            for (JsonNode m : n.get("/v1/members").json().path("members")) {
                if (m.path("status").asText().equals("alive")) {
                    alive++;
                }
            }
            return alive;
        } catch (Exception e) {
            return -1;
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // poll again soon
        }
    }
}
