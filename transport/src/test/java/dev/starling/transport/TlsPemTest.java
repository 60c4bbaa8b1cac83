package dev.starling.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS from PEM files (the daemon's --tls-cert, --tls-key, --tls-ca), and a handshake with it. */
class TlsPemTest {

    private static final Certificates.Ca CA = Certificates.newCa("pem-ca");

    @TempDir
    Path tmp;

    @Test
    void shouldReadTheSameIdentityFromPemFilesAndConnectWithIt() throws Exception {
        TlsConfig a = Certificates.node(CA, "a", true, CA);
        TlsConfig b = Certificates.node(CA, "b", true, CA);
        TlsConfig aPem = writeAndRead(a, "a");
        TlsConfig bPem = writeAndRead(b, "b");
        assertThat(aPem.certificateChain()).isEqualTo(a.certificateChain());
        assertThat(aPem.privateKey().getEncoded()).isEqualTo(a.privateKey().getEncoded());
        assertThat(aPem.trustedCas()).isEqualTo(a.trustedCas());
        try (TestNode na = TestNode.start(TestNode.config(1).tls(aPem));
             TestNode nb = TestNode.start(TestNode.config(2).tls(bPem))) {
            nb.connect(na);
            nb.awaitConnected(na);
            nb.roundTrip(na, "pem", 100);
            na.roundTrip(nb, "pem", 100);
        }
    }

    @Test
    void shouldNameTheFileThatIsNotAKey() throws Exception {
        Path notAKey = Files.writeString(tmp.resolve("key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        TlsConfig a = Certificates.node(CA, "a", false, CA);
        Path cert = pem(tmp.resolve("c.pem"), "CERTIFICATE", a.certificateChain().get(0).getEncoded());
        assertThatThrownBy(() -> TlsConfig.fromPem(cert, notAKey, cert, false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key.pem").hasMessageContaining("pkcs8");
        assertThatThrownBy(() -> TlsConfig.fromPem(tmp.resolve("missing.pem"), notAKey, cert, false))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.pem");
    }

    private TlsConfig writeAndRead(TlsConfig config, String name) throws Exception {
        Path chain = pem(tmp.resolve(name + "-chain.pem"), "CERTIFICATE", config.certificateChain().get(0).getEncoded());
        Path key = pem(tmp.resolve(name + "-key.pem"), "PRIVATE KEY", config.privateKey().getEncoded());
        List<X509Certificate> cas = config.trustedCas();
        Path ca = pem(tmp.resolve(name + "-ca.pem"), "CERTIFICATE", cas.get(0).getEncoded());
        return TlsConfig.fromPem(chain, key, ca, config.mutual());
    }

    private static Path pem(Path file, String type, byte[] der) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }
}
