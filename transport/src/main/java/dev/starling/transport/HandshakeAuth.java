package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The proofs of the handshake. Each side proves it knows the cluster secret with
 * {@code HMAC-SHA256(secret, label || version || cluster || clientId || serverId || clientNonce || serverNonce)},
 * where the label differs for the two directions (a proof cannot be reflected back), both nonces
 * are fresh 32-byte random values (a recorded handshake cannot be replayed), and both replica ids
 * and the cluster name are bound in (a proof for one pair or cluster is worth nothing for another).
 * Proofs are compared in constant time.
 */
final class HandshakeAuth {

    static final int NONCE_BYTES = 32;
    private static final byte[] SERVER_LABEL = "starling/v1 server proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_LABEL = "starling/v1 client proof".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final SecureRandom random;

    HandshakeAuth(byte[] secret, SecureRandom random) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.random = random;
    }

    byte[] newNonce() {
        byte[] n = new byte[NONCE_BYTES];
        random.nextBytes(n);
        return n;
    }

    byte[] serverProof(int version, String cluster, ReplicaId client, ReplicaId server, byte[] clientNonce,
                       byte[] serverNonce) {
        return mac(SERVER_LABEL, version, cluster, client, server, clientNonce, serverNonce);
    }

    byte[] clientProof(int version, String cluster, ReplicaId client, ReplicaId server, byte[] clientNonce,
                       byte[] serverNonce) {
        return mac(CLIENT_LABEL, version, cluster, client, server, clientNonce, serverNonce);
    }

    static boolean matches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    private byte[] mac(byte[] label, int version, String cluster, ReplicaId client, ReplicaId server,
                       byte[] clientNonce, byte[] serverNonce) {
        byte[] clusterBytes = cluster.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(label.length + 4 + 4 + clusterBytes.length + 8 + 8
            + 4 + clientNonce.length + 4 + serverNonce.length);
        b.put(label).putInt(version).putInt(clusterBytes.length).put(clusterBytes)
            .putLong(client.value()).putLong(server.value())
            .putInt(clientNonce.length).put(clientNonce)
            .putInt(serverNonce.length).put(serverNonce);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(b.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
