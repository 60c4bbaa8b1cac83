package dev.starling.node.discovery;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.starling.crdt.ReplicaId;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one resolved mDNS service instance into a {@link DiscoveredPeer}, or drops it: malformed
 * (counted), ours (not counted), another cluster's (counted). Called on the discovery thread only,
 * so the callback sees one announcement at a time; the counters may be read from any thread.
 */
final class AnnouncementHandler {

    /** A DNS label: the instance name is one. */
    static final int MAX_INSTANCE_NAME_BYTES = 63;
    private static final int MAX_LOGGED_CHARS = 80;

    private static final Logger LOG = LoggerFactory.getLogger(AnnouncementHandler.class);

    private final String cluster;
    private final ReplicaId self;
    private final String selfName;
    private final Consumer<DiscoveredPeer> onPeer;
    private final AtomicLong announcementsSeen = new AtomicLong();
    private final AtomicLong peersReported = new AtomicLong();
    private final AtomicLong malformedIgnored = new AtomicLong();
    private final AtomicLong otherClusterIgnored = new AtomicLong();
    private volatile boolean closed;

    AnnouncementHandler(String cluster, ReplicaId self, String selfName, Consumer<DiscoveredPeer> onPeer) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.self = Objects.requireNonNull(self, "self");
        this.selfName = Objects.requireNonNull(selfName, "selfName");
        this.onPeer = Objects.requireNonNull(onPeer, "onPeer");
    }

    /**
     * @param instanceName the service instance name, without the service type
     * @param srvPort the port of its SRV record
     * @param txt the raw bytes of its TXT record
     */
    void onResolved(String instanceName, int srvPort, byte[] txt) {
        if (closed) {
            return;
        }
        announcementsSeen.incrementAndGet();
        Advertisement ad;
        try {
            checkInstanceName(instanceName);
            ad = Advertisement.parse(txt);
            if (srvPort != ad.gossip().port()) {
                throw new MalformedAdvertisementException("SRV port is not the gossip port");
            }
        } catch (MalformedAdvertisementException e) {
            malformedIgnored.incrementAndGet();
            LOG.debug("Ignored malformed mDNS announcement {}: {}", loggable(instanceName), e.getMessage());
            return;
        }
        if (ad.replicaId().equals(self)) {
            if (!selfName.equalsIgnoreCase(instanceName)) {
                LOG.warn("mDNS instance {} advertises our own replica id {}: a copied data directory?",
                        loggable(instanceName), self);
            }
            return;
        }
        if (!ad.cluster().equals(cluster)) {
            otherClusterIgnored.incrementAndGet();
            LOG.trace("Ignored mDNS announcement {} of cluster {}", loggable(instanceName), ad.cluster());
            return;
        }
        DiscoveredPeer peer = new DiscoveredPeer(instanceName, ad.cluster(), ad.replicaId(),
                ad.gossip().toString(), ad.data().toSocketAddress());
        peersReported.incrementAndGet();
        try {
            onPeer.accept(peer);
        } catch (RuntimeException e) {
            LOG.warn("Peer callback failed for {}", peer, e);
        }
    }

    /** After this, nothing more reaches the callback. */
    void close() {
        closed = true;
    }

    MdnsCounters counters() {
        return new MdnsCounters(announcementsSeen.get(), peersReported.get(), malformedIgnored.get(),
                otherClusterIgnored.get());
    }

    private static void checkInstanceName(String name) throws MalformedAdvertisementException {
        if (name == null || name.isEmpty()) {
            throw new MalformedAdvertisementException("empty instance name");
        }
        if (name.length() > MAX_INSTANCE_NAME_BYTES || name.getBytes(UTF_8).length > MAX_INSTANCE_NAME_BYTES) {
            throw new MalformedAdvertisementException("instance name over " + MAX_INSTANCE_NAME_BYTES + " bytes");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new MalformedAdvertisementException("control character in the instance name");
            }
        }
    }

    /** Network input made safe for a log line: control characters replaced, length bounded. */
    static String loggable(String name) {
        if (name == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder(Math.min(name.length(), MAX_LOGGED_CHARS) + 3);
        for (int i = 0; i < name.length() && i < MAX_LOGGED_CHARS; i++) {
            char c = name.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return name.length() > MAX_LOGGED_CHARS ? sb.append("...").toString() : sb.toString();
    }
}
