package dev.starling.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * TLS for the data plane: this node's certificate chain and key, and the cluster CA that peers'
 * certificates must chain to. With {@code mutual} the server also requires a client certificate
 * from that CA (mTLS). Peer host names are not checked: nodes are identified by the handshake
 * (replica id and cluster secret), and certificates by the cluster CA.
 *
 * @param certificateChain this node's certificate first, then intermediates
 * @param privateKey the key of the first certificate
 * @param trustedCas the cluster CA certificates
 * @param mutual whether servers require and verify client certificates
 */
public record TlsConfig(List<X509Certificate> certificateChain, PrivateKey privateKey,
                        List<X509Certificate> trustedCas, boolean mutual) {

    public TlsConfig {
        certificateChain = List.copyOf(certificateChain);
        Objects.requireNonNull(privateKey, "privateKey");
        trustedCas = List.copyOf(trustedCas);
        if (certificateChain.isEmpty() || trustedCas.isEmpty()) {
            throw new IllegalArgumentException("TLS needs a certificate chain and at least one trusted CA");
        }
    }

    SslContext serverContext() throws SSLException {
        return SslContextBuilder.forServer(privateKey, certificateChain.toArray(new X509Certificate[0]))
            .trustManager(trustedCas.toArray(new X509Certificate[0]))
            .clientAuth(mutual ? ClientAuth.REQUIRE : ClientAuth.NONE)
            .protocols("TLSv1.3", "TLSv1.2")
            .build();
    }

    SslContext clientContext() throws SSLException {
        return SslContextBuilder.forClient()
            .keyManager(privateKey, certificateChain.toArray(new X509Certificate[0]))
            .trustManager(trustedCas.toArray(new X509Certificate[0]))
            .protocols("TLSv1.3", "TLSv1.2")
            .build();
    }
}
