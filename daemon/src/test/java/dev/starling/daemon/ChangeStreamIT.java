package dev.starling.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/changes/stream} of the built jar: a client of node A sees, live, the writes made on
 * node B; after it disconnects and writes go on, reconnecting with {@code Last-Event-ID} resumes
 * with the next cursor, without a gap or a duplicate.
 */
class ChangeStreamIT {

    @TempDir
    Path tmp;

    record Event(long id, JsonNode data) {
    }

    /** An SSE connection read on a thread of its own into {@link #events}. */
    static final class Stream implements AutoCloseable {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final InputStream in;
        final int status;
        final String contentType;

        Stream(StarlingProcess node, String query, String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.httpPort + "/v1/changes/stream" + query))
                .header("Accept", "text/event-stream");
            if (lastEventId != null) {
                b.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> r = StarlingProcess.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            status = r.statusCode();
            contentType = r.headers().firstValue("content-type").orElse("");
            in = r.body();
            Thread t = new Thread(this::read, "sse-reader");
            t.setDaemon(true);
            t.start();
        }

        private void read() {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, UTF_8))) {
                String line;
                long id = -1;
                StringBuilder data = new StringBuilder();
                while ((line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (id >= 0) {
                            events.add(new Event(id, StarlingProcess.JSON.readTree(data.toString())));
                        }
                        id = -1;
                        data.setLength(0);
                    } else if (line.startsWith("id: ")) {
                        id = Long.parseLong(line.substring(4));
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
            } catch (Exception e) {
                // closed
            }
        }

        List<Event> take(int n) throws InterruptedException {
            List<Event> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < n) {
                Event e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (e == null) {
                    throw new AssertionError("timed out after " + out.size() + " of " + n + " events: " + out);
                }
                out.add(e);
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            in.close();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldStreamWritesOfAnotherNodeAndResumeWithLastEventId() throws Exception {
        List<StarlingProcess> nodes = new ArrayList<>();
        try {
            StarlingProcess a = StarlingProcess.startNode(tmp.resolve("a"), "a");
            nodes.add(a);
            StarlingProcess b = StarlingProcess.startNode(tmp.resolve("b"), "b", "--seed", a.seed());
            nodes.add(b);
            assertThat(a.put("/v1/maps/early/x", "1").status()).isEqualTo(200);
            MeshIT.await("b has a's early write", () -> status(b, "/v1/maps/early/x") == 200);

            long last;
            try (Stream s = new Stream(a, "", null)) {
                assertThat(s.status).isEqualTo(200);
                assertThat(s.contentType).startsWith("text/event-stream");
                for (int i = 0; i < 10; i++) {
                    assertThat(b.put("/v1/maps/live/k" + i, Integer.toString(i)).status()).isEqualTo(200);
                }
                List<Event> events = s.take(10);
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < events.size(); i++) {
                    Event e = events.get(i);
                    assertThat(e.data.path("cursor").asText()).isEqualTo(Long.toString(e.id));
                    assertThat(e.data.path("object").asText()).isEqualTo("live");
                    assertThat(e.data.path("type").asText()).isEqualTo("map");
                    assertThat(e.data.path("origin").asText()).isEqualTo(b.replica);
                    if (i > 0) {
                        assertThat(e.id).isEqualTo(events.get(i - 1).id + 1);
                    }
                    keys.add(e.data.path("key").asText());
                }
                assertThat(keys).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9");
                last = events.get(9).id;
            }

            // while no one listens, more writes on both nodes; Last-Event-ID wins over since
            for (int i = 10; i < 20; i++) {
                assertThat(b.put("/v1/maps/live/k" + i, Integer.toString(i)).status()).isEqualTo(200);
            }
            assertThat(a.put("/v1/maps/live/from-a", "0").status()).isEqualTo(200);
            try (Stream s = new Stream(a, "?since=0", Long.toString(last))) {
                List<Event> events = s.take(11);
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < events.size(); i++) {
                    assertThat(events.get(i).id).isEqualTo(last + 1 + i);
                    keys.add(events.get(i).data.path("key").asText());
                }
                assertThat(keys).containsExactlyInAnyOrder("k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17",
                    "k18", "k19", "from-a");
                // and live again after the replay
                assertThat(b.post("/v1/counters/after", "{\"delta\":1}").status()).isEqualTo(200);
                Event live = s.take(1).get(0);
                assertThat(live.id).isEqualTo(last + 12);
                assertThat(live.data.path("object").asText()).isEqualTo("after");
                assertThat(live.data.has("key")).isFalse();
            }

            // since=0 replays from the start: the early write first
            try (Stream s = new Stream(a, "?since=0", null)) {
                assertThat(s.take(1).get(0).data.path("object").asText()).isEqualTo("early");
            }
            assertThat(a.get("/v1/changes/stream?since=x").status()).isEqualTo(400);
        } finally {
            for (StarlingProcess n : nodes) {
                n.close();
            }
        }
    }

    private static int status(StarlingProcess n, String path) {
        try {
            return n.get(path).status();
        } catch (Exception e) {
            return -1;
        }
    }
}
