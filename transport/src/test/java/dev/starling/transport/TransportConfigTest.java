package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TransportConfigTest {

    private static final ReplicaId ID = new ReplicaId(1);
    private static final byte[] SECRET = TestNode.SECRET;

    private static TransportConfig.Builder lan() {
        return TransportConfig.lan(ID, "c", SECRET);
    }

    private static void assertRefused(UnaryOperator<TransportConfig.Builder> change, String messagePart) {
        assertThatThrownBy(() -> change.apply(lan()).build()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(messagePart);
    }

    private static void assertAccepted(UnaryOperator<TransportConfig.Builder> change) {
        assertThat(change.apply(lan()).build()).isNotNull();
    }

    @Test
    void shouldBuildTheLanProfileWithItsDocumentedDefaults() {
        TransportConfig c = lan().build();
        assertThat(c.bindHost()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isZero();
        assertThat(c.maxFrameBytes()).isEqualTo(4 << 20);
        assertThat(c.defaultMaxPayloadBytes()).isEqualTo((4 << 20) - 64);
        assertThat(c.maxBatchBytes()).isEqualTo(64 << 10);
        assertThat(c.maxBatchMessages()).isEqualTo(1024);
        assertThat(c.outboundQueueMessages()).isEqualTo(16 * 1024);
        assertThat(c.outboundQueueBytes()).isEqualTo(16L << 20);
        assertThat(c.inboundQueueMessages()).isEqualTo(64 * 1024);
        assertThat(c.inboundQueueBytes()).isEqualTo(64L << 20);
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.frameTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.deadPeerTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.reconnectMinBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.reconnectMaxBackoff()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.ioThreads()).isBetween(1, 4);
        assertThat(c.tls()).isNull();
    }

    @Test
    void shouldShortenTheTimeoutsInTheLocalProfile() {
        TransportConfig c = TransportConfig.local(ID, "c", SECRET).build();
        assertThat(c.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.frameTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.deadPeerTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.reconnectMinBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(c.reconnectMaxBackoff()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldRefuseWeakSecrets() {
        assertThatThrownBy(() -> TransportConfig.lan(ID, "c", new byte[15]).build())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16 bytes");
        byte[] fifteen = "0123456789abcde".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> TransportConfig.lan(ID, "c", fifteen).build())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 16 bytes");
        assertThatThrownBy(() -> TransportConfig.lan(ID, "c", new byte[32]).build())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("all zeros");
        assertThatThrownBy(() -> TransportConfig.lan(ID, "c", new byte[0]).build())
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TransportConfig.lan(ID, "c", null)).isInstanceOf(NullPointerException.class);
        assertThat(TransportConfig.lan(ID, "c", "0123456789abcdef".getBytes(StandardCharsets.US_ASCII)).build())
            .isNotNull();
    }

    @Test
    void shouldKeepItsOwnCopyOfTheSecret() {
        byte[] secret = SECRET.clone();
        TransportConfig.Builder b = TransportConfig.lan(ID, "c", secret);
        secret[0] ^= 1;
        TransportConfig c = b.build();
        secret[1] ^= 1;
        assertThat(c.secret()).isEqualTo(SECRET);
    }

    @Test
    void shouldRefuseBadClusterNames() {
        assertThatThrownBy(() -> TransportConfig.lan(ID, "", SECRET).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TransportConfig.lan(ID, "x".repeat(129), SECRET).build())
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(TransportConfig.lan(ID, "x".repeat(128), SECRET).build().cluster()).hasSize(128);
        assertThatThrownBy(() -> TransportConfig.lan(ID, null, SECRET)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> TransportConfig.lan(null, "c", SECRET)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldRefuseBadPorts() {
        assertRefused(b -> b.port(-1), "port");
        assertRefused(b -> b.port(65_536), "port");
        assertRefused(b -> b.port(Integer.MIN_VALUE), "port");
        assertAccepted(b -> b.port(0));
        assertAccepted(b -> b.port(65_535));
    }

    @Test
    void shouldRefuseBadFrameAndPayloadLimits() {
        assertRefused(b -> b.maxFrameBytes(1023).maxBatch(512, 10), "maxFrameBytes");
        assertRefused(b -> b.maxFrameBytes((256 << 20) + 1), "maxFrameBytes");
        assertRefused(b -> b.maxFrameBytes(-1), "maxFrameBytes");
        assertAccepted(b -> b.maxFrameBytes(1024).maxBatch(512, 10).outboundQueue(2, 1024).inboundQueue(2, 1024));
        assertRefused(b -> b.maxPayloadBytes(0, 10), "message type");
        assertRefused(b -> b.maxPayloadBytes(65_536, 10), "message type");
        assertRefused(b -> b.maxPayloadBytes(1, -1), "fit a frame");
        assertRefused(b -> b.maxPayloadBytes(1, (4 << 20) - 63), "fit a frame");
        assertThat(lan().maxPayloadBytes(7, 100).build().maxPayloadBytes(7)).isEqualTo(100);
        assertThat(lan().maxPayloadBytes(7, 100).build().maxPayloadBytes(8)).isEqualTo((4 << 20) - 64);
    }

    @Test
    void shouldRefuseBadBatchAndQueueLimits() {
        assertRefused(b -> b.maxBatch(0, 10), "batch");
        assertRefused(b -> b.maxBatch(1024, 0), "batch");
        assertRefused(b -> b.maxBatch((4 << 20) - 63, 10), "batch");
        assertRefused(b -> b.outboundQueue(1, 16L << 20), "outbound queue");
        assertRefused(b -> b.outboundQueue(100, (4 << 20) - 1), "outbound queue");
        assertRefused(b -> b.inboundQueue(1, 64L << 20), "inbound queue");
        assertRefused(b -> b.inboundQueue(100, (4 << 20) - 1), "inbound queue");
        assertRefused(b -> b.ioThreads(0), "ioThreads");
    }

    @Test
    void shouldRefuseNonPositiveOrMissingDurations() {
        List<Duration> bad = java.util.Arrays.asList(Duration.ZERO, Duration.ofMillis(-1), null);
        for (Duration d : bad) {
            assertRefused(b -> b.handshakeTimeout(d), "handshakeTimeout");
            assertRefused(b -> b.frameTimeout(d), "frameTimeout");
            assertRefused(b -> b.heartbeatInterval(d), "heartbeatInterval");
            assertRefused(b -> b.deadPeerTimeout(d), "deadPeerTimeout");
            assertRefused(b -> b.reconnectBackoff(d, Duration.ofSeconds(1)), "reconnectMinBackoff");
            assertRefused(b -> b.reconnectBackoff(Duration.ofMillis(100), d), "reconnect");
        }
    }

    @Test
    void shouldRefuseInconsistentTimeouts() {
        assertRefused(b -> b.heartbeatInterval(Duration.ofSeconds(3)).deadPeerTimeout(Duration.ofSeconds(5)),
            "two heartbeat intervals");
        assertAccepted(b -> b.heartbeatInterval(Duration.ofMillis(2500)).deadPeerTimeout(Duration.ofSeconds(5)));
        assertRefused(b -> b.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)), "max backoff");
        assertAccepted(b -> b.reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @Test
    void shouldRefuseIncompleteTls() {
        Certificates.Ca ca = Certificates.newCa("ca");
        TlsConfig ok = Certificates.node(ca, "n", true, ca);
        assertThatThrownBy(() -> new TlsConfig(List.of(), ok.privateKey(), ok.trustedCas(), true))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TlsConfig(ok.certificateChain(), ok.privateKey(), List.of(), true))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TlsConfig(ok.certificateChain(), null, ok.trustedCas(), true))
            .isInstanceOf(NullPointerException.class);
        assertThat(lan().tls(ok).build().tls()).isEqualTo(ok);
    }

    @Test
    void shouldDeliverOnlyTheChosenTypesInline() {
        InlineHandler h = (t, sender, type, payload) -> { };
        TransportConfig none = lan().build();
        assertThat(none.inlineHandler()).isNull();
        assertThat(none.isInline(1)).isFalse();
        TransportConfig all = lan().inlineHandler(h).build();
        assertThat(all.inlineHandler()).isSameAs(h);
        assertThat(all.isInline(1)).isTrue();
        assertThat(all.isInline(65_535)).isTrue();
        TransportConfig some = lan().inlineHandler(h, 7, 64, 65_535).build();
        assertThat(some.isInline(7)).isTrue();
        assertThat(some.isInline(64)).isTrue();
        assertThat(some.isInline(65_535)).isTrue();
        for (int type : new int[] {1, 6, 8, 63, 65, 71, 128, 7 + 64, 65_534}) {
            assertThat(some.isInline(type)).as("type %d", type).isFalse();
        }
        // The last call wins.
        assertThat(lan().inlineHandler(h, 7).inlineHandler(h).build().isInline(8)).isTrue();
        assertThat(lan().inlineHandler(h).inlineHandler(h, 7).build().isInline(8)).isFalse();
    }

    @Test
    void shouldRefuseBadInlineTypes() {
        InlineHandler h = (t, sender, type, payload) -> { };
        assertRefused(b -> b.inlineHandler(h, 0), "inline message type");
        assertRefused(b -> b.inlineHandler(h, 7, 65_536), "inline message type");
        assertRefused(b -> b.inlineHandler(h, -1), "inline message type");
        assertRefused(b -> b.inlineHandler(h, new int[0]), "no inline message types");
        assertThatThrownBy(() -> lan().inlineHandler(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lan().inlineHandler(null, 7)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldRefuseConnectingToItself() {
        try (Transport t = new Transport(lan().build(), TransportListener.NONE)) {
            assertThatThrownBy(() -> t.connect(ID, new java.net.InetSocketAddress("127.0.0.1", 1)))
                .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
