package dev.starling.daemon.webhook;

import java.time.Duration;

/**
 * Limits and timings of webhook delivery.
 *
 * @param maxWebhooks      webhooks a node keeps (each has its own cursor and possibly a batch in flight)
 * @param maxBatchChanges  changes in one POST
 * @param maxBatchBytes    bytes of one POST's body (a single change over it still goes alone)
 * @param connectTimeout   to connect to a receiver
 * @param requestTimeout   for the whole exchange, response head included; then it counts as failed
 * @param initialBackoff   before the first retry; doubled per failure, jittered to [d/2, d]
 * @param maxBackoff       the cap of the doubling: a receiver down for hours is tried this often
 * @param flushInterval    how often positions that advanced past non-matching changes only are
 *                         written to disk (acknowledged batches are written at once)
 */
public record WebhookConfig(int maxWebhooks, int maxBatchChanges, int maxBatchBytes, Duration connectTimeout,
                            Duration requestTimeout, Duration initialBackoff, Duration maxBackoff,
                            Duration flushInterval) {

    public static final int MAX_SECRET_BYTES = 256;
    public static final int MAX_URL_CHARS = 2048;

    public static WebhookConfig defaults() {
        return new WebhookConfig(64, 100, 1 << 20, Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(1));
    }

    public WebhookConfig {
        if (maxWebhooks < 1 || maxBatchChanges < 1 || maxBatchChanges > 1000 || maxBatchBytes < 1024) {
            throw new IllegalArgumentException("webhook limits out of range");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff: 0 < initial <= max");
        }
    }
}
