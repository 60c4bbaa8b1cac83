package dev.starling.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
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

    /**
     * Reads the configuration from PEM files: this node's certificate chain, its private key
     * (unencrypted PKCS#8, {@code BEGIN PRIVATE KEY}; RSA or EC) and the cluster CA certificates.
     *
     * @throws IllegalArgumentException naming the file that cannot be read or parsed
     */
    public static TlsConfig fromPem(Path certificateChain, Path privateKey, Path trustedCas, boolean mutual) {
        return new TlsConfig(certificates(certificateChain), key(privateKey), certificates(trustedCas), mutual);
    }

    private static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + file);
            }
            return out;
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey key(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key " + file + ": " + e.getMessage(), e);
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(file + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY); "
                + "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file);
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("the key in " + file + " is not an RSA, EC or Ed25519 PKCS#8 key");
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
