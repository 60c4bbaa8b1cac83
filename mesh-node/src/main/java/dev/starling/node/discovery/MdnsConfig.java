package dev.starling.node.discovery;

import dev.starling.crdt.ReplicaId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of {@link MdnsDiscovery}: immutable, validated once by {@link Builder#build()}.
 *
 * <p>Cost of the re-query, which is the only traffic beyond the announcements of nodes that start
 * or stop: each re-query sends 3 PTR queries (jmdns's resolver, 225 ms apart) and each of the
 * other N-1 advertising nodes answers each of them, so a cluster of N nodes sends about
 * {@code 3 N (N - 1) / requeryInterval} packets: 38 per second for 20 nodes at 30 s, 1.9 per
 * second for 5 nodes. A shorter interval finds a node whose announcement was lost sooner; the
 * announcements themselves (3, a second apart, when a node starts) are what finds new nodes
 * normally, so the re-query is a safety net and membership calls {@link MdnsDiscovery#requery()}
 * when it needs one now.
 */
public final class MdnsConfig {

    public static final Duration DEFAULT_REQUERY_INTERVAL = Duration.ofSeconds(30);
    public static final Duration MIN_REQUERY_INTERVAL = Duration.ofSeconds(1);
    public static final Duration MAX_REQUERY_INTERVAL = Duration.ofHours(1);
    /**
     * jmdns needs about 2 s to send its goodbyes and stop (measured on the loopback of a network
     * namespace); 5 s leaves room for a slow machine without holding a shutting-down node long.
     */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration MIN_CLOSE_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_CLOSE_TIMEOUT = Duration.ofMinutes(1);
    /** The node-name part of the instance name: 63 bytes of a DNS label, less '-' and 16 digits. */
    static final int MAX_NAME_PART_CHARS = AnnouncementHandler.MAX_INSTANCE_NAME_BYTES - 17;
    public static final int MAX_NODE_NAME_CHARS = 255;

    private final InetAddress bindAddress;
    private final String nodeName;
    private final String cluster;
    private final ReplicaId replicaId;
    private final InetSocketAddress gossip;
    private final InetSocketAddress data;
    private final Duration requeryInterval;
    private final Duration closeTimeout;
    private final HostPort advertisedGossip;
    private final HostPort advertisedData;
    private final String instanceName;

    private MdnsConfig(Builder b, HostPort advertisedGossip, HostPort advertisedData) {
        this.bindAddress = b.bindAddress;
        this.nodeName = b.nodeName;
        this.cluster = b.cluster;
        this.replicaId = b.replicaId;
        this.gossip = b.gossip;
        this.data = b.data;
        this.requeryInterval = b.requeryInterval;
        this.closeTimeout = b.closeTimeout;
        this.advertisedGossip = advertisedGossip;
        this.advertisedData = advertisedData;
        this.instanceName = instanceName(b.nodeName, b.replicaId);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The interface address jmdns binds to: it joins 224.0.0.251 on the interface that holds it,
     * sends from it and advertises it in its A record. Never a wildcard: jmdns on all interfaces
     * is jmmdns, which we do not use; a node on several LANs runs discovery on the one it gossips on.
     */
    public InetAddress bindAddress() {
        return bindAddress;
    }

    /** The node's name (the CLI's {@code --name}); only its first characters reach the instance name. */
    public String nodeName() {
        return nodeName;
    }

    public String cluster() {
        return cluster;
    }

    public ReplicaId replicaId() {
        return replicaId;
    }

    /** The SWIM address as configured; see {@link #advertisedGossip()} for what is advertised. */
    public InetSocketAddress gossip() {
        return gossip;
    }

    /** The data-plane address as configured; see {@link #advertisedData()} for what is advertised. */
    public InetSocketAddress data() {
        return data;
    }

    /** The SWIM address in the TXT record: a wildcard address is replaced by the bind address. */
    public String advertisedGossip() {
        return advertisedGossip.toString();
    }

    /** The data-plane address in the TXT record: a wildcard address is replaced by the bind address. */
    public String advertisedData() {
        return advertisedData.toString();
    }

    /** How often the LAN is asked again for every instance (default 30 s; cost in the class comment). */
    public Duration requeryInterval() {
        return requeryInterval;
    }

    /** The longest {@link MdnsDiscovery#close()} waits for jmdns to say goodbye and stop (default 5 s). */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * The service instance name: the node name with every character outside {@code [A-Za-z0-9_-]}
     * replaced by '-', cut to 46 characters, then '-' and the replica id. Unique as the replica id
     * is, within the 63 bytes of a DNS label, and free of the dots and spaces that jmdns and some
     * browsers handle badly.
     */
    public String instanceName() {
        return instanceName;
    }

    HostPort gossipHostPort() {
        return advertisedGossip;
    }

    HostPort dataHostPort() {
        return advertisedData;
    }

    /** The mDNS host name of this node's jmdns, {@code starling-<replica id>}, unique like the id. */
    String hostName() {
        return "starling-" + replicaId;
    }

    static String instanceName(String nodeName, ReplicaId replicaId) {
        String part = nodeName.replaceAll("[^A-Za-z0-9_-]", "-");
        if (part.length() > MAX_NAME_PART_CHARS) {
            part = part.substring(0, MAX_NAME_PART_CHARS);
        }
        return part + '-' + replicaId;
    }

    @Override
    public String toString() {
        return "MdnsConfig{bindAddress=" + bindAddress.getHostAddress() + ", instanceName=" + instanceName
                + ", cluster=" + cluster + ", gossip=" + advertisedGossip + ", data=" + advertisedData
                + ", requeryInterval=" + requeryInterval + ", closeTimeout=" + closeTimeout + '}';
    }

    /** Mutable builder; {@link #build()} validates every field together. */
    public static final class Builder {
        private InetAddress bindAddress;
        private String nodeName;
        private String cluster;
        private ReplicaId replicaId;
        private InetSocketAddress gossip;
        private InetSocketAddress data;
        private Duration requeryInterval = DEFAULT_REQUERY_INTERVAL;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder() {
        }

        public Builder bindAddress(InetAddress address) {
            this.bindAddress = address;
            return this;
        }

        public Builder nodeName(String name) {
            this.nodeName = name;
            return this;
        }

        public Builder cluster(String name) {
            this.cluster = name;
            return this;
        }

        public Builder replicaId(ReplicaId id) {
            this.replicaId = id;
            return this;
        }

        /** The 16 hex digits of {@link ReplicaId#toString()}. */
        public Builder replicaId(String hex) {
            this.replicaId = ReplicaId.parse(hex);
            return this;
        }

        public Builder gossip(InetSocketAddress address) {
            this.gossip = address;
            return this;
        }

        public Builder data(InetSocketAddress address) {
            this.data = address;
            return this;
        }

        public Builder requeryInterval(Duration interval) {
            this.requeryInterval = interval;
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public MdnsConfig build() {
            Objects.requireNonNull(bindAddress, "bindAddress");
            Objects.requireNonNull(nodeName, "nodeName");
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(replicaId, "replicaId");
            Objects.requireNonNull(gossip, "gossip");
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(requeryInterval, "requeryInterval");
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            if (bindAddress.isAnyLocalAddress() || bindAddress.isMulticastAddress()) {
                throw new IllegalArgumentException("bindAddress must be the address of one interface: "
                        + bindAddress.getHostAddress());
            }
            if (nodeName.isBlank() || nodeName.length() > MAX_NODE_NAME_CHARS) {
                throw new IllegalArgumentException("nodeName must be 1 to " + MAX_NODE_NAME_CHARS + " characters, not blank");
            }
            if (!Advertisement.CLUSTER.matcher(cluster).matches()) {
                throw new IllegalArgumentException("cluster must match " + Advertisement.CLUSTER + ": " + cluster);
            }
            if (replicaId.value() == 0L) {
                throw new IllegalArgumentException("replicaId must not be zero");
            }
            HostPort advertisedGossip = advertised("gossip", gossip);
            HostPort advertisedData = advertised("data", data);
            if (requeryInterval.compareTo(MIN_REQUERY_INTERVAL) < 0 || requeryInterval.compareTo(MAX_REQUERY_INTERVAL) > 0) {
                throw new IllegalArgumentException("requeryInterval must be in [" + MIN_REQUERY_INTERVAL + ", "
                        + MAX_REQUERY_INTERVAL + "]: " + requeryInterval);
            }
            if (closeTimeout.compareTo(MIN_CLOSE_TIMEOUT) < 0 || closeTimeout.compareTo(MAX_CLOSE_TIMEOUT) > 0) {
                throw new IllegalArgumentException("closeTimeout must be in [" + MIN_CLOSE_TIMEOUT + ", "
                        + MAX_CLOSE_TIMEOUT + "]: " + closeTimeout);
            }
            try {
                new Advertisement(cluster, replicaId, advertisedGossip, advertisedData).toTxt();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gossip and data addresses too long to advertise: " + e.getMessage(), e);
            }
            return new MdnsConfig(this, advertisedGossip, advertisedData);
        }

        /** What peers are told: a wildcard address becomes the bind address; the result must parse back. */
        private HostPort advertised(String field, InetSocketAddress address) {
            if (address.getPort() == 0) {
                throw new IllegalArgumentException(field + " port must be the port bound, not 0");
            }
            InetSocketAddress effective = address.getAddress() != null && address.getAddress().isAnyLocalAddress()
                    ? new InetSocketAddress(bindAddress, address.getPort()) : address;
            HostPort hostPort = HostPort.of(effective);
            try {
                return HostPort.parse(hostPort.toString());
            } catch (MalformedAdvertisementException e) {
                throw new IllegalArgumentException(field + " address cannot be advertised (" + e.getMessage() + "): " + address);
            }
        }
    }
}
