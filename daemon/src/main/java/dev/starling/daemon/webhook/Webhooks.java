package dev.starling.daemon.webhook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.daemon.http.Api;
import dev.starling.daemon.http.Json;
import dev.starling.node.ChangeFeed;
import dev.starling.node.Subscription;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's webhooks and their delivery.
 *
 * <p>Each webhook has a position: the cursor of the last change it acknowledged (or that its prefix
 * skipped). Delivery reads the change feed after it, takes the changes whose object name starts with
 * the prefix, at most {@link WebhookConfig#maxBatchChanges()} and {@link WebhookConfig#maxBatchBytes()},
 * and POSTs them as {@code {"changes":[...]}}, signed ({@link Signature}). Only a 2xx moves the
 * position (to the end of the batch) and writes it to {@link WebhookFile} before the next batch is
 * read; anything else (another status, a refused connection, a timeout) keeps the batch, which is
 * sent again, byte for byte and with the same {@code X-Starling-Delivery}, after a backoff that
 * doubles per failure up to {@link WebhookConfig#maxBackoff()}, jittered. One batch per webhook is
 * in flight at a time, so changes arrive in cursor order; a crash between a receiver's 2xx and the
 * write of the position sends that batch again after the restart: at least once.
 *
 * <p>The delivery id is {@code <webhook id>-<first cursor>-<last cursor>} of the batch: the same
 * changes always go under the same id, also when a batch is rebuilt after a restart.
 *
 * <p>Threads: all state is owned by one thread ({@link #executor}); the feed's listener (on the
 * replica agent, which must not block) only schedules a pass there, at most one pending at a time;
 * HTTP exchanges are asynchronous and hand their outcome back to that thread. Feed pages (LMDB
 * reads) and the file's fsync run on it too, never on the agent or an event loop.
 */
public final class Webhooks implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    private static final int SCAN_PAGES_PER_PASS = 16;

    private final ChangeFeed feed;
    private final WebhookFile file;
    private final WebhookConfig config;
    private final HttpClient client;
    private final ScheduledExecutorService executor;
    private final Random jitter = new Random();
    private final SecureRandom ids = new SecureRandom();
    private final AtomicBoolean kickPending = new AtomicBoolean();

    // owned by executor
    private final Map<String, Delivery> deliveries = new LinkedHashMap<>();
    private Subscription subscription;
    private boolean dirty;
    private boolean closed;

    /** A batch built once and sent until acknowledged. */
    private record Batch(String id, byte[] body, long end, String signature) {
    }

    private static final class Delivery {
        Webhook hook;
        Batch pending;
        boolean inFlight;
        int failures;
        ScheduledFuture<?> retry;
        boolean removed;
        long warnedTrimmedBelow;

        Delivery(Webhook hook) {
            this.hook = hook;
        }
    }

    private Webhooks(ChangeFeed feed, WebhookFile file, WebhookConfig config, String nodeName) {
        this.feed = feed;
        this.file = file;
        this.config = config;
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "starling-webhooks-" + nodeName);
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.executor = ex;
    }

    /**
     * Loads the webhooks of {@code dataDir} and starts delivering to them.
     *
     * @throws IOException the file exists but cannot be read
     */
    public static Webhooks start(ChangeFeed feed, Path dataDir, WebhookConfig config, String nodeName)
            throws IOException {
        WebhookFile file = new WebhookFile(dataDir);
        List<Webhook> loaded = file.load();
        Webhooks w = new Webhooks(feed, file, config, nodeName);
        w.call(() -> {
            for (Webhook h : loaded) {
                w.deliveries.put(h.id(), new Delivery(h));
            }
            w.subscription = feed.subscribe(entries -> w.kick());
            return null;
        });
        long flushMs = config.flushInterval().toMillis();
        w.executor.scheduleWithFixedDelay(w::flushIfDirty, flushMs, flushMs, TimeUnit.MILLISECONDS);
        if (!loaded.isEmpty()) {
            LOG.info("{} webhook(s) loaded from {}", loaded.size(), file.path());
        }
        w.kick();
        return w;
    }

    // ---------------------------------------------------------------- API (any thread)

    /**
     * Registers a webhook that starts after {@code since}, or after the newest change when null.
     * Completes with its id once it is on disk; fails with {@link IllegalArgumentException} when the
     * node has {@link WebhookConfig#maxWebhooks()} already.
     */
    public CompletableFuture<String> add(URI url, String secret, String prefix, Long since) {
        return async(() -> {
            if (deliveries.size() >= config.maxWebhooks()) {
                throw new IllegalArgumentException("this node has " + config.maxWebhooks()
                    + " webhooks, the most it keeps: delete one first");
            }
            byte[] raw = new byte[8];
            ids.nextBytes(raw);
            String id = HexFormat.of().formatHex(raw);
            long position = since != null ? since : feed.lastCursor();
            Delivery d = new Delivery(new Webhook(id, url, secret, prefix == null ? "" : prefix, position));
            deliveries.put(id, d);
            try {
                save();
            } catch (IOException e) {
                deliveries.remove(id);
                throw new IllegalStateException("cannot write " + file.path() + ": " + e.getMessage(), e);
            }
            LOG.info("webhook {} added: {} prefix \"{}\" after cursor {}", id, url, d.hook.prefix(), position);
            step(d);
            return id;
        });
    }

    /** The webhooks with their acknowledged positions, in the order they were added. */
    public CompletableFuture<List<Webhook>> list() {
        return async(() -> {
            List<Webhook> out = new ArrayList<>(deliveries.size());
            for (Delivery d : deliveries.values()) {
                out.add(d.hook);
            }
            return out;
        });
    }

    /** Removes a webhook (a delivery in flight is abandoned); false if there is none with {@code id}. */
    public CompletableFuture<Boolean> remove(String id) {
        return async(() -> {
            Delivery d = deliveries.remove(id);
            if (d == null) {
                return false;
            }
            d.removed = true;
            if (d.retry != null) {
                d.retry.cancel(false);
            }
            try {
                save();
            } catch (IOException e) {
                deliveries.put(id, d);
                d.removed = false;
                throw new IllegalStateException("cannot write " + file.path() + ": " + e.getMessage(), e);
            }
            LOG.info("webhook {} removed", id);
            return true;
        });
    }

    /** Stops delivering (exchanges in flight are abandoned: their batches go again after a restart) and saves positions. */
    @Override
    public void close() {
        try {
            call(() -> {
                closed = true;
                if (subscription != null) {
                    subscription.close();
                }
                for (Delivery d : deliveries.values()) {
                    if (d.retry != null) {
                        d.retry.cancel(false);
                    }
                }
                flushIfDirty();
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing webhooks failed", e);
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- executor thread

    /** Any thread, never blocks: one pass over every webhook, soon. */
    private void kick() {
        if (!kickPending.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                kickPending.set(false);
                for (Delivery d : new ArrayList<>(deliveries.values())) {
                    step(d);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Sends the pending batch of {@code d}, building it first, unless one is in flight or waiting to be retried. */
    private void step(Delivery d) {
        if (closed || d.removed || d.inFlight || d.retry != null) {
            return;
        }
        if (d.pending == null) {
            try {
                d.pending = nextBatch(d);
            } catch (RuntimeException e) {
                LOG.warn("webhook {}: reading the change feed failed", d.hook.id(), e);
                scheduleRetry(d);
                return;
            }
            if (d.pending == null) {
                return;
            }
        }
        send(d);
    }

    /** The changes after the position that match the prefix, or null (the position may move past non-matching ones). */
    private Batch nextBatch(Delivery d) {
        Webhook h = d.hook;
        long first = feed.firstCursor();
        if (first > h.position() + 1 && d.warnedTrimmedBelow < first) {
            d.warnedTrimmedBelow = first;
            LOG.warn("webhook {}: changes {}..{} left the change feed (its size bound) before they were delivered: "
                + "they are lost for this webhook", h.id(), h.position() + 1, first - 1);
        }
        long scan = h.position();
        ArrayNode changes = Json.array();
        int bytes = 16;
        long firstMatch = -1;
        long lastMatch = -1;
        boolean full = false;
        boolean more = false;
        for (int pages = 0; pages < SCAN_PAGES_PER_PASS && !full; pages++) {
            List<ChangeFeed.Entry> page = feed.read(scan, ChangeFeed.MAX_PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (ChangeFeed.Entry e : page) {
                if (h.matches(e.object().name())) {
                    ObjectNode c = Api.change(e);
                    int size = Json.write(c).length + 1;
                    if (changes.size() > 0 && (changes.size() >= config.maxBatchChanges()
                            || bytes + size > config.maxBatchBytes())) {
                        full = true;
                        break;
                    }
                    changes.add(c);
                    bytes += size;
                    if (firstMatch < 0) {
                        firstMatch = e.cursor();
                    }
                    lastMatch = e.cursor();
                }
                scan = e.cursor();
            }
            more = page.size() == ChangeFeed.MAX_PAGE;
        }
        if (changes.isEmpty()) {
            if (scan > h.position()) {
                d.hook = h.withPosition(scan);
                dirty = true;
                if (more) {
                    executor.execute(() -> step(d));
                }
            }
            return null;
        }
        ObjectNode body = Json.object();
        body.set("changes", changes);
        byte[] bytesOut = Json.write(body);
        return new Batch(h.id() + "-" + firstMatch + "-" + lastMatch, bytesOut, scan, Signature.of(h.secret(), bytesOut));
    }

    private void send(Delivery d) {
        Batch b = d.pending;
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(d.hook.url())
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "starling-webhooks/1")
                .header(Signature.DELIVERY_HEADER, b.id())
                .header(Signature.HEADER, b.signature())
                .POST(HttpRequest.BodyPublishers.ofByteArray(b.body()))
                .build();
        } catch (IllegalArgumentException e) {
            LOG.warn("webhook {}: cannot POST to {}: {}", d.hook.id(), d.hook.url(), e.getMessage());
            scheduleRetry(d);
            return;
        }
        d.inFlight = true;
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, err) -> {
            try {
                executor.execute(() -> onResult(d, b, response == null ? -1 : response.statusCode(), err));
            } catch (RejectedExecutionException e) {
                // closed: the batch goes again after a restart
            }
        });
    }

    private void onResult(Delivery d, Batch b, int status, Throwable err) {
        d.inFlight = false;
        if (closed || d.removed || d.pending != b) {
            return;
        }
        if (err == null && status >= 200 && status < 300) {
            if (d.failures > 0) {
                LOG.info("webhook {}: delivering again after {} failed attempts", d.hook.id(), d.failures);
            }
            d.failures = 0;
            d.pending = null;
            d.hook = d.hook.withPosition(b.end());
            try {
                save();
            } catch (IOException e) {
                dirty = true;
                LOG.error("webhook {}: cannot write its position to {} (will retry): {}", d.hook.id(), file.path(),
                    e.getMessage());
            }
            step(d);
            return;
        }
        d.failures++;
        String why = err != null ? String.valueOf(rootCause(err)) : "HTTP " + status;
        if (d.failures == 1 || Integer.bitCount(d.failures) == 1) {
            LOG.warn("webhook {}: delivery {} to {} failed ({}), attempt {}: retrying with backoff", d.hook.id(),
                b.id(), d.hook.url(), why, d.failures);
        }
        scheduleRetry(d);
    }

    private void scheduleRetry(Delivery d) {
        long delayMs = backoffMs(d.failures);
        d.retry = executor.schedule(() -> {
            d.retry = null;
            step(d);
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    private long backoffMs(int failures) {
        return backoffMs(failures, config.initialBackoff().toMillis(), config.maxBackoff().toMillis(), jitter.nextDouble());
    }

    /**
     * Capped exponential backoff with jitter: {@code d = min(max, initial * 2^(failures-1))}, then
     * {@code d/2 + random * d/2}: in [d/2, d], so receivers that failed together do not retry together.
     *
     * @param random01 uniform in [0, 1)
     */
    static long backoffMs(int failures, long initialMs, long maxMs, double random01) {
        int shift = Math.min(Math.max(failures - 1, 0), 30);
        long d = Math.min(maxMs, initialMs << shift);
        return d / 2 + (long) (random01 * (d - d / 2));
    }

    private void flushIfDirty() {
        if (!dirty) {
            return;
        }
        try {
            save();
        } catch (IOException e) {
            LOG.error("cannot write webhook positions to {}: {}", file.path(), e.getMessage());
        }
    }

    private void save() throws IOException {
        List<Webhook> all = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries.values()) {
            all.add(d.hook);
        }
        file.save(all);
        dirty = false;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private <T> CompletableFuture<T> async(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    f.complete(task.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new IllegalStateException("webhooks are closed"));
        }
        return f;
    }

    private <T> T call(Callable<T> task) throws IOException {
        try {
            return async(task).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the webhook thread did not answer in 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
