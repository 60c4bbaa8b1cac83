package dev.starling.daemon.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** {@code X-Starling-Signature}: {@code sha256=} and the hex HMAC-SHA256 of the body, keyed with the secret's UTF-8 bytes. */
public final class Signature {

    public static final String HEADER = "X-Starling-Signature";
    public static final String DELIVERY_HEADER = "X-Starling-Delivery";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Signature() {
    }

    public static String of(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] h = mac.doFinal(body);
            char[] out = new char[h.length * 2];
            for (int i = 0; i < h.length; i++) {
                out[2 * i] = HEX[(h[i] >> 4) & 0xf];
                out[2 * i + 1] = HEX[h[i] & 0xf];
            }
            return "sha256=" + new String(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
