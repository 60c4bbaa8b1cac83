package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.transport.TransportStats.CloseReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** TLS and mutual TLS on loopback, with certificates made at run time. */
class TlsTest {

    private static final Certificates.Ca CLUSTER_CA = Certificates.newCa("cluster CA");
    private static final Certificates.Ca OTHER_CA = Certificates.newCa("some other CA");
    /** Another key under the cluster CA's very name: its certificates are offered, then fail verification. */
    private static final Certificates.Ca FORGED_CA = Certificates.newCa("cluster CA");

    private static TestNode node(long id, TlsConfig tls) throws InterruptedException {
        return TestNode.start(TestNode.config(id).tls(tls));
    }

    @Test
    void shouldExchangeMessagesOverTls() throws Exception {
        try (TestNode a = node(1, Certificates.node(CLUSTER_CA, "a", false, CLUSTER_CA));
             TestNode b = node(2, Certificates.node(CLUSTER_CA, "b", false, CLUSTER_CA))) {
            a.connect(b);
            a.awaitConnected(b);
            a.roundTrip(b, "tls", 1_000);
            b.roundTrip(a, "tls", 1_000);
        }
    }

    @Test
    void shouldExchangeMessagesOverMutualTls() throws Exception {
        try (TestNode a = node(1, Certificates.node(CLUSTER_CA, "a", true, CLUSTER_CA));
             TestNode b = node(2, Certificates.node(CLUSTER_CA, "b", true, CLUSTER_CA))) {
            a.connect(b);
            a.awaitConnected(b);
            a.roundTrip(b, "mtls", 1_000);
            b.roundTrip(a, "mtls", 1_000);
        }
    }

    @Test
    void shouldRefuseAClientWithACertificateFromAnotherCa() throws Exception {
        // The client's TLS stack offers no certificate the server's CA list does not name.
        refuseClientCertifiedBy(OTHER_CA); // the server logs "Empty client certificate chain"
    }

    @Test
    void shouldRefuseAClientWithACertificateFromACaForgingTheClusterCasName() throws Exception {
        // Offered (the issuer name matches), then refused: the signature does not verify.
        refuseClientCertifiedBy(FORGED_CA); // the server logs "PKIX path validation failed"
    }

    private void refuseClientCertifiedBy(Certificates.Ca ca) throws Exception {
        try (TestNode server = node(1, Certificates.node(CLUSTER_CA, "server", true, CLUSTER_CA));
             TestNode friend = node(2, Certificates.node(CLUSTER_CA, "friend", true, CLUSTER_CA));
             // Knows the secret and trusts the cluster CA, but its own certificate is from elsewhere.
             TestNode stranger = node(3, Certificates.node(ca, "stranger", true, CLUSTER_CA))) {
            friend.connect(server);
            friend.awaitConnected(server);
            stranger.connect(server);
            stranger.send(server, "let me in");
            Await.until(() -> server.transport.stats().closes(CloseReason.TLS_FAILURE) >= 2, TestNode.TIMEOUT,
                () -> "TLS refusals at the server: " + server.transport.stats());
            Await.until(() -> stranger.transport.stats(server.id).handshakeFailures() >= 2, TestNode.TIMEOUT);
            assertThat(server.transport.stats().connectionsEstablished()).as("only the friend").isEqualTo(1);
            assertThat(server.transport.stats(stranger.id)).isNull();
            assertThat(stranger.transport.isConnected(server.id)).isFalse();
            assertThat(stranger.transport.stats(server.id).messagesOut()).isZero();
            server.poll();
            assertThat(server.texts(stranger.id)).isEmpty();
            friend.roundTrip(server, "friend", 100);
            server.roundTrip(friend, "friend", 100);
        }
    }

    @Test
    void shouldRefuseAServerWithACertificateFromAnotherCa() throws Exception {
        try (TestNode impostor = node(1, Certificates.node(OTHER_CA, "impostor", false, CLUSTER_CA, OTHER_CA));
             TestNode client = node(2, Certificates.node(CLUSTER_CA, "client", false, CLUSTER_CA))) {
            client.connect(impostor);
            Await.until(() -> client.transport.stats().closes(CloseReason.TLS_FAILURE) >= 2, TestNode.TIMEOUT,
                () -> "TLS refusals at the client: " + client.transport.stats());
            assertThat(client.transport.isConnected(impostor.id)).isFalse();
            assertThat(impostor.transport.stats().connectionsEstablished()).isZero();
        }
    }

    @Test
    void shouldRefuseAPlaintextPeerOnATlsPort() throws Exception {
        try (TestNode server = node(1, Certificates.node(CLUSTER_CA, "server", true, CLUSTER_CA));
             RawPeer raw = RawPeer.connect(server.transport.localAddress())) {
            raw.writeFrame(Frames.clientHello(new dev.starling.crdt.ReplicaId(9), TestNode.CLUSTER, new byte[32]));
            raw.awaitClosed(Duration.ofSeconds(5));
            Await.until(() -> server.transport.stats().closes(CloseReason.TLS_FAILURE) == 1, TestNode.TIMEOUT);
            assertThat(server.transport.stats().connectionsEstablished()).isZero();
        }
    }
}
