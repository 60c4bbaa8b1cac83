package dev.starling.daemon.webhook;

import java.net.URI;

/**
 * A registered webhook as it is persisted: where to POST, the HMAC secret, the object-name prefix
 * that selects changes ("" for all) and the cursor of the last change acknowledged (or skipped by
 * the prefix): delivery resumes after it.
 */
public record Webhook(String id, URI url, String secret, String prefix, long position) {

    public Webhook withPosition(long newPosition) {
        return new Webhook(id, url, secret, prefix, newPosition);
    }

    /** Whether changes of object {@code name} go to this webhook. */
    public boolean matches(String name) {
        return name.startsWith(prefix);
    }
}
