package dev.starling.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.Value;
import dev.starling.node.WriteResult;
import dev.starling.node.store.SyncPolicy;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The change stream's bound, against an in-process node and the real HTTP server. */
class ChangeStreamTest {

    @TempDir
    Path tmp;

    private Node node;
    private ExecutorService blocking;
    private HttpServer http;

    @BeforeEach
    void start() throws Exception {
        node = Node.start(NodeConfig.builder().name("stream").dataDir(tmp.resolve("data")).cluster("stream-test")
            .secret("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8))
            .gossipPort(0).dataPort(0).sync(SyncPolicy.NONE).profile(NodeConfig.Profile.LOCAL).build());
        blocking = Executors.newSingleThreadExecutor();
        http = HttpServer.start("127.0.0.1", 0, new Api(node, null, null, blocking), null,
            HttpServer.DEFAULT_MAX_BODY_BYTES, 1, (route, method, status, ns) -> { });
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        blocking.shutdownNow();
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCutOffAClientThatDoesNotRead() throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", http.localAddress().getPort()));
            s.getOutputStream().write("GET /v1/changes/stream HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");

            // far more than the kernel's buffers, Netty's high-water mark and the stream's own bound hold
            int written = 0;
            for (int batch = 0; batch < 40; batch++) {
                List<CompletableFuture<WriteResult>> writes = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    writes.add(node.map("flood").put("key-" + written++, Value.wrap(new byte[] {'1'})));
                }
                CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).join();
            }

            // reading now, the client finds the end of the stream (cut off) well before the last change
            s.setSoTimeout(10_000);
            byte[] buf = new byte[64 * 1024];
            long bytes = 0;
            int ids = 0;
            boolean eof = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    bytes += n;
                    for (int i = 0; i + 3 < n; i++) {
                        if (buf[i] == '\n' && buf[i + 1] == 'i' && buf[i + 2] == 'd' && buf[i + 3] == ':') {
                            ids++;
                        }
                    }
                }
                eof = true;
            } catch (SocketTimeoutException e) {
                eof = false;
            }
            assertThat(eof).as("the stream was cut off (%d bytes, about %d events read)", bytes, ids).isTrue();
            assertThat(ids).isLessThan(written);
        }
    }
}
