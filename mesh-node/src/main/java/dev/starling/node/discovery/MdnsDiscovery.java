package dev.starling.node.discovery;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the other nodes of our cluster on the LAN with mDNS/DNS-SD (RFC 6762, RFC 6763), through
 * jmdns, and advertises this one.
 *
 * <p>Advertised: one service instance of type {@value #SERVICE_TYPE} named
 * {@link MdnsConfig#instanceName()}, SRV port = the gossip port, TXT record as in
 * {@link Advertisement} ({@code v=1}, {@code cluster}, {@code replica}, {@code gossip},
 * {@code data}).
 *
 * <p>Browsed: the same type. Every instance jmdns resolves goes through {@link AnnouncementHandler}:
 * the callback gets those of our cluster that are not us and whose record is valid; the rest are
 * dropped and counted ({@link #counters()}). The callback runs on this discovery's own thread, one
 * call at a time, never on a jmdns thread; it must be quick and idempotent, since one peer is
 * reported when first resolved, again when its record changes, and again after each re-query.
 *
 * <p>Re-query: every {@link MdnsConfig#requeryInterval()} and on {@link #requery()}, the browsing
 * listener is replaced by a fresh one. jmdns then replays the instances it has in its cache (each
 * is reported again) and sends new PTR queries, whose answers report every node still there. A
 * cached instance whose node died without a goodbye is replayed until its record expires: a
 * discovered peer is a candidate seed, and membership finds out whether it is alive.
 *
 * <p>{@link #close()} sends the goodbyes (TTL 0 records) and stops jmdns, waiting at most
 * {@link MdnsConfig#closeTimeout()}.
 */
public final class MdnsDiscovery implements AutoCloseable {

    /** The DNS-SD service type of Starling nodes. */
    public static final String SERVICE_TYPE = "_starling._tcp.local.";
    /** Re-queries asked for faster than this are coalesced into one. */
    static final long MIN_REQUERY_SPACING_NS = TimeUnit.SECONDS.toNanos(1);

    private static final Logger LOG = LoggerFactory.getLogger(MdnsDiscovery.class);

    private final MdnsConfig config;
    private final AnnouncementHandler handler;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean requeryPending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set by start, read by close, which may run on another thread. */
    private volatile JmDNS jmdns;
    private volatile ServiceInfo advertised;
    private volatile ScheduledFuture<?> periodicRequery;
    /** Written on the discovery thread only. */
    private Browser browser;
    private volatile long lastRequeryNs;

    private MdnsDiscovery(MdnsConfig config, Consumer<DiscoveredPeer> onPeer) {
        this.config = config;
        this.handler = new AnnouncementHandler(config.cluster(), config.replicaId(), config.instanceName(), onPeer);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "starling-mdns-" + config.replicaId());
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.executor = executor;
        this.lastRequeryNs = System.nanoTime() - MIN_REQUERY_SPACING_NS;
    }

    /**
     * Starts jmdns on {@link MdnsConfig#bindAddress()}, advertises this node and starts browsing.
     * Returns once jmdns has its socket and the service is registered (well under a second); the
     * other nodes see this one about 4 s later, when jmdns has probed its names (1 s apart) and
     * announced them. jmdns installs no shutdown hook: whoever starts a discovery closes it.
     *
     * @param onPeer called on the discovery thread for each peer of our cluster (see the class comment)
     * @throws IOException when jmdns cannot open its socket or register the service
     */
    public static MdnsDiscovery start(MdnsConfig config, Consumer<DiscoveredPeer> onPeer) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(onPeer, "onPeer");
        MdnsDiscovery discovery = new MdnsDiscovery(config, onPeer);
        try {
            discovery.open();
        } catch (IOException | RuntimeException e) {
            discovery.close();
            throw e;
        }
        return discovery;
    }

    private void open() throws IOException {
        jmdns = JmDNS.create(config.bindAddress(), config.hostName());
        ServiceInfo info = ServiceInfo.create(SERVICE_TYPE, config.instanceName(), config.gossipHostPort().port(),
                0, 0, new Advertisement(config.cluster(), config.replicaId(), config.gossipHostPort(),
                        config.dataHostPort()).toTxt());
        jmdns.registerService(info);
        advertised = info;
        if (!config.instanceName().equalsIgnoreCase(info.getName())) {
            LOG.warn("mDNS instance name {} was taken; advertising as {}", config.instanceName(), info.getName());
        }
        submit(this::browse);
        long intervalNs = config.requeryInterval().toNanos();
        periodicRequery = executor.scheduleWithFixedDelay(this::requery, intervalNs, intervalNs, TimeUnit.NANOSECONDS);
        LOG.info("mDNS discovery started: {}", config);
    }

    /**
     * Asks the LAN again for every instance, so that every node still advertising is reported
     * again. Returns at once; the query runs on the discovery thread. Calls closer together than
     * 1 s are coalesced. Membership calls it when it wants seeds to heal a partition.
     */
    public void requery() {
        if (closed.get() || !requeryPending.compareAndSet(false, true)) {
            return;
        }
        long delayNs = Math.max(0L, lastRequeryNs + MIN_REQUERY_SPACING_NS - System.nanoTime());
        try {
            executor.schedule(() -> {
                requeryPending.set(false);
                browse();
            }, delayNs, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            requeryPending.set(false); // closed meanwhile
        }
    }

    public MdnsCounters counters() {
        return handler.counters();
    }

    public MdnsConfig config() {
        return config;
    }

    /**
     * Sends the goodbyes, stops jmdns and the discovery thread; the callback is not called once
     * this returns. Waits at most {@link MdnsConfig#closeTimeout()}: past it, jmdns is left to
     * finish on its own thread and a warning is logged. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadlineNs = System.nanoTime() + config.closeTimeout().toNanos();
        handler.close();
        if (periodicRequery != null) {
            periodicRequery.cancel(false);
        }
        executor.shutdownNow();
        JmDNS dns = jmdns;
        if (dns != null) {
            Thread closer = new Thread(() -> {
                try {
                    dns.close();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("jmdns failed to close", e);
                }
            }, "starling-mdns-close-" + config.replicaId());
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(Math.max(1L, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closer.isAlive()) {
                LOG.warn("jmdns did not stop within {}; leaving it to finish in the background", config.closeTimeout());
            }
        }
        try {
            long leftNs = deadlineNs - System.nanoTime();
            if (leftNs > 0 && !executor.awaitTermination(leftNs, TimeUnit.NANOSECONDS)) {
                LOG.warn("mDNS discovery thread still busy after {}", config.closeTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("mDNS discovery stopped: {}", advertised != null ? advertised.getName() : config.instanceName());
    }

    /**
     * On the discovery thread. A fresh listener, added before the old one goes so that nothing
     * is missed in between, makes jmdns send new PTR queries; then every instance jmdns holds
     * resolved is handled again (its per-type collector, which it keeps up to date with
     * announcements, goodbyes and record expiry). New instances arrive through the listener.
     */
    private void browse() {
        if (closed.get()) {
            return;
        }
        lastRequeryNs = System.nanoTime();
        Browser previous = browser;
        browser = new Browser();
        jmdns.addServiceListener(SERVICE_TYPE, browser);
        if (previous != null) {
            jmdns.removeServiceListener(SERVICE_TYPE, previous);
            for (ServiceInfo info : jmdns.list(SERVICE_TYPE, 0)) {
                handle(info);
            }
        }
    }

    private void handle(ServiceInfo info) {
        byte[] text = info.getTextBytes();
        if (text == null || text.length == 0 || (text.length == 1 && text[0] == 0)) {
            // jmdns calls an instance resolved once it has SRV and address records, with an
            // empty TXT record standing in until the real one arrives: wait for that.
            LOG.trace("mDNS instance {} has no TXT record yet", AnnouncementHandler.loggable(info.getName()));
            return;
        }
        handler.onResolved(info.getName(), info.getPort(), text);
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // closed: nothing more is reported
        }
    }

    /**
     * jmdns calls it on its own threads (and on ours, for the cache replay of
     * {@code addServiceListener}); it only hands the resolved instance to the discovery thread.
     * jmdns resolves every instance it sees added by itself (its per-type collector asks for the
     * SRV and TXT records), so serviceAdded needs no request of ours.
     */
    private final class Browser implements ServiceListener {
        @Override
        public void serviceAdded(ServiceEvent event) {
            LOG.trace("mDNS instance added: {}", AnnouncementHandler.loggable(event.getName()));
        }

        @Override
        public void serviceRemoved(ServiceEvent event) {
            LOG.debug("mDNS instance gone: {}", AnnouncementHandler.loggable(event.getName()));
        }

        @Override
        public void serviceResolved(ServiceEvent event) {
            ServiceInfo info = event.getInfo();
            if (info != null) {
                submit(() -> handle(info));
            }
        }
    }
}
