package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.transport.TlsConfig;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Nodes whose data plane runs over mutual TLS replicate as over plain TCP. */
class TlsMeshTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldReplicateOverMutualTls() throws Exception {
        TlsConfig tls = selfSignedCluster();
        try (TestCluster cluster = new TestCluster(tmp, dev.starling.node.store.SyncPolicy.NONE)) {
            Node a = cluster.add(cluster.builder("a").tls(tls).build());
            Node b = cluster.add(cluster.builder("b").tls(tls).build());
            cluster.awaitAllAlive();
            a.map("m").put("k", Value.utf8("over tls")).get(10, TimeUnit.SECONDS);
            Await.until(() -> b.map("m").get("k") != null, TestCluster.CONVERGE);
            assertThat(b.map("m").get("k", ValueType.UTF8)).isEqualTo("over tls");
            assertThat(b.peerStats(a.replicaId()).connected()).isTrue();
        }
    }

    /** One EC key and self-signed certificate that is both every node's identity and the cluster CA. */
    private static TlsConfig selfSignedCluster() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        X500Name name = new X500Name("CN=starling-test-cluster");
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
            name, BigInteger.ONE, Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
            name, keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        return new TlsConfig(List.of(cert), keys.getPrivate(), List.of(cert), true);
    }
}
