package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransportSmokeTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void shouldDeliverMessagesBothWaysAfterHandshake() throws Exception {
        ReplicaId a = new ReplicaId(1);
        ReplicaId b = new ReplicaId(2);
        try (Transport ta = new Transport(TransportConfig.local(a, "c", SECRET).build(), TransportListener.NONE);
             Transport tb = new Transport(TransportConfig.local(b, "c", SECRET).build(), TransportListener.NONE)) {
            ta.start();
            tb.start();
            ta.connect(b, tb.localAddress());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!(ta.isConnected(b) && tb.isConnected(a)) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(ta.isConnected(b)).isTrue();
            for (int i = 0; i < 1000; i++) {
                assertThat(ta.send(b, 7, ("m" + i).getBytes(StandardCharsets.UTF_8))).isEqualTo(SendResult.QUEUED);
                assertThat(tb.send(a, 8, ("r" + i).getBytes(StandardCharsets.UTF_8))).isEqualTo(SendResult.QUEUED);
            }
            List<String> atB = new ArrayList<>();
            List<String> atA = new ArrayList<>();
            while ((atB.size() < 1000 || atA.size() < 1000) && System.nanoTime() < deadline) {
                tb.poll((s, t, p) -> atB.add(new String(p, StandardCharsets.UTF_8)), 100);
                ta.poll((s, t, p) -> atA.add(new String(p, StandardCharsets.UTF_8)), 100);
            }
            assertThat(atB).hasSize(1000).startsWith("m0", "m1").endsWith("m999");
            assertThat(atA).hasSize(1000).startsWith("r0").endsWith("r999");
            assertThat(tb.stats(a).messagesIn()).isEqualTo(1000);
        }
    }
}
