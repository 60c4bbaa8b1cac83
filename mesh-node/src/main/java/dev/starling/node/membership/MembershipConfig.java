package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.fault.Faults;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything membership needs, validated once in {@link Builder#build()} before anything starts.
 * Start from a profile, {@link #lan()} or {@link #local()}, which differ only in timings and the
 * default port, then set the identity of the node and override what must differ.
 *
 * <p>Timings map onto scalecube-cluster 2.7's SWIM (docs/membership.md cites its formulas):
 * <ul>
 *   <li>Every {@code pingInterval} each member pings one other member (round robin over a shuffled
 *       list); without an ack within {@code pingTimeout} it asks {@code pingReqMembers} others to
 *       ping it (they have {@code pingInterval - pingTimeout}); with no ack at all the target is
 *       SUSPECT.</li>
 *   <li>A suspect that does not refute the suspicion (by gossiping a higher incarnation) within
 *       {@link #suspicionTimeout(int)} = {@code suspicionMult * ceilLog2(n) * pingInterval} is
 *       declared DEAD and scalecube removes it. Starling lists it as DEAD for
 *       {@code deadRetention} more, then reports it removed.</li>
 *   <li>Membership changes spread by gossip: every {@code gossipInterval} to {@code gossipFanout}
 *       members, each gossip for {@code gossipRepeatMult * ceilLog2(n)} intervals.</li>
 *   <li>Every {@code syncInterval} a member sends its whole table to one seed or member
 *       (anti-entropy); {@code syncTimeout} bounds the initial sync to the seeds at start.</li>
 *   <li>Every {@code rejoinInterval} a member also sends a sync to up to {@code rejoinFanout}
 *       remembered peers and seeds that are not members now, so partitions that outlast removal
 *       still heal.</li>
 * </ul>
 *
 * <p>{@code ceilLog2(n)} is scalecube's {@code 32 - numberOfLeadingZeros(n)}, that is
 * {@code floor(log2 n) + 1}: 2 for 2–3 members, 3 for 4–7, 4 for 8–15, 5 for 16–31.
 */
public final class MembershipConfig {

    /** The SWIM port of the API's default. */
    public static final int DEFAULT_GOSSIP_PORT = 7946;
    /** The cluster name of the API's default. */
    public static final String DEFAULT_CLUSTER_NAME = "starling";
    /** The shortest cluster secret accepted. */
    public static final int MIN_SECRET_BYTES = 16;
    /** Longest cluster name, node name and host name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 253;

    private static final Pattern HOST_PORT = Pattern.compile("^(?<host>[^\\s:]+|\\[[0-9A-Fa-f:.]+\\]):(?<port>\\d{1,5})$");

    private final String clusterName;
    private final byte[] secret;
    private final String bindHost;
    private final int gossipPort;
    private final List<String> seeds;
    private final ReplicaId replicaId;
    private final String nodeName;
    private final InetSocketAddress dataAddress;
    private final Duration pingInterval;
    private final Duration pingTimeout;
    private final int pingReqMembers;
    private final int suspicionMult;
    private final Duration gossipInterval;
    private final int gossipFanout;
    private final int gossipRepeatMult;
    private final Duration syncInterval;
    private final Duration syncTimeout;
    private final Duration metadataTimeout;
    private final Duration connectTimeout;
    private final Duration rejoinInterval;
    private final int rejoinFanout;
    private final Duration deadRetention;
    private final Duration leaveTimeout;
    private final Duration startTimeout;
    private final int maxRememberedPeers;
    private final int maxFrameBytes;
    private final Faults faults;

    private MembershipConfig(Builder b) {
        this.clusterName = b.clusterName;
        this.secret = b.secret.clone();
        this.bindHost = b.bindHost;
        this.gossipPort = b.gossipPort;
        this.seeds = List.copyOf(b.seeds);
        this.replicaId = b.replicaId;
        this.nodeName = b.nodeName != null ? b.nodeName : "node-" + b.replicaId;
        this.dataAddress = b.dataAddress;
        this.pingInterval = b.pingInterval;
        this.pingTimeout = b.pingTimeout;
        this.pingReqMembers = b.pingReqMembers;
        this.suspicionMult = b.suspicionMult;
        this.gossipInterval = b.gossipInterval;
        this.gossipFanout = b.gossipFanout;
        this.gossipRepeatMult = b.gossipRepeatMult;
        this.syncInterval = b.syncInterval;
        this.syncTimeout = b.syncTimeout;
        this.metadataTimeout = b.metadataTimeout;
        this.connectTimeout = b.connectTimeout;
        this.rejoinInterval = b.rejoinInterval;
        this.rejoinFanout = b.rejoinFanout;
        this.deadRetention = b.deadRetention;
        this.leaveTimeout = b.leaveTimeout;
        this.startTimeout = b.startTimeout;
        this.maxRememberedPeers = b.maxRememberedPeers;
        this.maxFrameBytes = b.maxFrameBytes;
        this.faults = b.faults;
    }

    /**
     * The LAN profile. A member that stops answering is declared dead after about
     * {@link #deadDetectionTime(int)}: 6.4 s with 2–3 members, 8.8 s with 4–7, 11.2 s with 8–15
     * (ping every 800 ms, suspicion for 3 × ceilLog2(n) pings), then listed as dead for 30 s.
     */
    public static Builder lan() {
        return new Builder()
            .gossipPort(DEFAULT_GOSSIP_PORT)
            .pingInterval(Duration.ofMillis(800))
            .pingTimeout(Duration.ofMillis(300))
            .pingReqMembers(3)
            .suspicionMult(3)
            .gossipInterval(Duration.ofMillis(200))
            .gossipFanout(3)
            .gossipRepeatMult(3)
            .syncInterval(Duration.ofSeconds(10))
            .syncTimeout(Duration.ofSeconds(3))
            .metadataTimeout(Duration.ofSeconds(3))
            .connectTimeout(Duration.ofSeconds(1))
            .rejoinInterval(Duration.ofSeconds(3))
            .rejoinFanout(3)
            .deadRetention(Duration.ofSeconds(30))
            .leaveTimeout(Duration.ofSeconds(5))
            .startTimeout(Duration.ofSeconds(10));
    }

    /**
     * The loopback profile, for tests and demos on one machine: an ephemeral port and timings about
     * four times faster than {@link #lan()} (dead after about 1.5 s with 2–3 members, 2 s with 4–7,
     * then listed as dead for 1 s). Too eager for a real network.
     */
    public static Builder local() {
        return new Builder()
            .gossipPort(0)
            .pingInterval(Duration.ofMillis(250))
            .pingTimeout(Duration.ofMillis(125))
            .pingReqMembers(1)
            .suspicionMult(2)
            .gossipInterval(Duration.ofMillis(50))
            .gossipFanout(3)
            .gossipRepeatMult(2)
            .syncInterval(Duration.ofSeconds(2))
            .syncTimeout(Duration.ofSeconds(1))
            .metadataTimeout(Duration.ofSeconds(1))
            .connectTimeout(Duration.ofMillis(500))
            .rejoinInterval(Duration.ofMillis(500))
            .rejoinFanout(3)
            .deadRetention(Duration.ofSeconds(1))
            .leaveTimeout(Duration.ofSeconds(3))
            .startTimeout(Duration.ofSeconds(5));
    }

    /** A builder with the {@link #lan()} profile. */
    public static Builder builder() {
        return lan();
    }

    /** A builder holding this configuration, to derive another. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.clusterName = clusterName;
        b.secret = secret.clone();
        b.bindHost = bindHost;
        b.gossipPort = gossipPort;
        b.seeds = new ArrayList<>(seeds);
        b.replicaId = replicaId;
        b.nodeName = nodeName;
        b.dataAddress = dataAddress;
        b.pingInterval = pingInterval;
        b.pingTimeout = pingTimeout;
        b.pingReqMembers = pingReqMembers;
        b.suspicionMult = suspicionMult;
        b.gossipInterval = gossipInterval;
        b.gossipFanout = gossipFanout;
        b.gossipRepeatMult = gossipRepeatMult;
        b.syncInterval = syncInterval;
        b.syncTimeout = syncTimeout;
        b.metadataTimeout = metadataTimeout;
        b.connectTimeout = connectTimeout;
        b.rejoinInterval = rejoinInterval;
        b.rejoinFanout = rejoinFanout;
        b.deadRetention = deadRetention;
        b.leaveTimeout = leaveTimeout;
        b.startTimeout = startTimeout;
        b.maxRememberedPeers = maxRememberedPeers;
        b.maxFrameBytes = maxFrameBytes;
        b.faults = faults;
        return b;
    }

    /**
     * scalecube's suspicion timeout ({@code ClusterMath.suspicionTimeout}) for a membership table of
     * {@code clusterSize} records: {@code suspicionMult * ceilLog2(clusterSize) * pingInterval}.
     */
    public Duration suspicionTimeout(int clusterSize) {
        return pingInterval.multipliedBy((long) suspicionMult * ceilLog2(clusterSize));
    }

    /**
     * Expected time from the moment a member stops answering until the member that first probes it
     * declares it dead: about one interval until it is probed (each of the other members probes one
     * member per interval), one interval for the probe and the indirect probes, then the suspicion
     * timeout. Members that hear of the suspicion by gossip start their own timeout a few gossip
     * intervals later. In a round-robin worst case the first probe can take up to
     * {@code clusterSize - 1} intervals.
     */
    public Duration deadDetectionTime(int clusterSize) {
        return pingInterval.multipliedBy(2).plus(suspicionTimeout(clusterSize));
    }

    /** scalecube's {@code ClusterMath.gossipDisseminationTime}: {@code repeatMult * ceilLog2(n) * gossipInterval}. */
    public Duration gossipDisseminationTime(int clusterSize) {
        return gossipInterval.multipliedBy((long) gossipRepeatMult * ceilLog2(clusterSize));
    }

    /** scalecube's {@code ceilLog2}: {@code 32 - numberOfLeadingZeros(n)}. */
    static int ceilLog2(int n) {
        return 32 - Integer.numberOfLeadingZeros(n);
    }

    public String clusterName() {
        return clusterName;
    }

    /** A copy of the cluster secret. */
    public byte[] secret() {
        return secret.clone();
    }

    public String bindHost() {
        return bindHost;
    }

    public int gossipPort() {
        return gossipPort;
    }

    public List<String> seeds() {
        return seeds;
    }

    public ReplicaId replicaId() {
        return replicaId;
    }

    public String nodeName() {
        return nodeName;
    }

    public InetSocketAddress dataAddress() {
        return dataAddress;
    }

    public Duration pingInterval() {
        return pingInterval;
    }

    public Duration pingTimeout() {
        return pingTimeout;
    }

    public int pingReqMembers() {
        return pingReqMembers;
    }

    public int suspicionMult() {
        return suspicionMult;
    }

    public Duration gossipInterval() {
        return gossipInterval;
    }

    public int gossipFanout() {
        return gossipFanout;
    }

    public int gossipRepeatMult() {
        return gossipRepeatMult;
    }

    public Duration syncInterval() {
        return syncInterval;
    }

    public Duration syncTimeout() {
        return syncTimeout;
    }

    public Duration metadataTimeout() {
        return metadataTimeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration rejoinInterval() {
        return rejoinInterval;
    }

    public int rejoinFanout() {
        return rejoinFanout;
    }

    public Duration deadRetention() {
        return deadRetention;
    }

    public Duration leaveTimeout() {
        return leaveTimeout;
    }

    public Duration startTimeout() {
        return startTimeout;
    }

    public int maxRememberedPeers() {
        return maxRememberedPeers;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** The faults to inject, or null for none. */
    public Faults faults() {
        return faults;
    }

    @Override
    public String toString() {
        return "MembershipConfig[cluster=" + clusterName + ", bind=" + bindHost + ":" + gossipPort
            + ", seeds=" + seeds + ", replica=" + replicaId + ", name=" + nodeName + ", data=" + dataAddress
            + ", pingInterval=" + pingInterval + ", pingTimeout=" + pingTimeout + ", pingReqMembers=" + pingReqMembers
            + ", suspicionMult=" + suspicionMult + ", gossipInterval=" + gossipInterval + ", gossipFanout="
            + gossipFanout + ", gossipRepeatMult=" + gossipRepeatMult + ", syncInterval=" + syncInterval
            + ", syncTimeout=" + syncTimeout + ", metadataTimeout=" + metadataTimeout + ", connectTimeout="
            + connectTimeout + ", rejoinInterval=" + rejoinInterval + ", rejoinFanout=" + rejoinFanout
            + ", deadRetention=" + deadRetention + ", leaveTimeout=" + leaveTimeout + ", startTimeout="
            + startTimeout + ", maxRememberedPeers=" + maxRememberedPeers + ", maxFrameBytes=" + maxFrameBytes
            + ", faults=" + (faults != null) + "]";
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String clusterName = DEFAULT_CLUSTER_NAME;
        private byte[] secret;
        private String bindHost = "127.0.0.1";
        private int gossipPort;
        private List<String> seeds = new ArrayList<>();
        private ReplicaId replicaId;
        private String nodeName;
        private InetSocketAddress dataAddress;
        private Duration pingInterval;
        private Duration pingTimeout;
        private int pingReqMembers;
        private int suspicionMult;
        private Duration gossipInterval;
        private int gossipFanout;
        private int gossipRepeatMult;
        private Duration syncInterval;
        private Duration syncTimeout;
        private Duration metadataTimeout;
        private Duration connectTimeout;
        private Duration rejoinInterval;
        private int rejoinFanout;
        private Duration deadRetention;
        private Duration leaveTimeout;
        private Duration startTimeout;
        private int maxRememberedPeers = 1024;
        private int maxFrameBytes = 512 * 1024;
        private Faults faults;

        private Builder() {
        }

        /** Only nodes with the same cluster name (and secret) join each other. */
        public Builder clusterName(String clusterName) {
            this.clusterName = clusterName;
            return this;
        }

        /** The cluster secret, at least {@value MembershipConfig#MIN_SECRET_BYTES} bytes; copied. */
        public Builder secret(byte[] secret) {
            this.secret = secret == null ? null : secret.clone();
            return this;
        }

        /** The address the gossip port listens on (an IP literal or a host name). */
        public Builder bindHost(String bindHost) {
            this.bindHost = bindHost;
            return this;
        }

        /** The gossip (SWIM) port; 0 picks a free one. */
        public Builder gossipPort(int gossipPort) {
            this.gossipPort = gossipPort;
            return this;
        }

        /** Gossip addresses ({@code host:port}) of peers to join; replaces the list. */
        public Builder seeds(List<String> seeds) {
            this.seeds = new ArrayList<>(seeds);
            return this;
        }

        /** Adds one seed ({@code host:port}). */
        public Builder seed(String seed) {
            this.seeds.add(seed);
            return this;
        }

        public Builder replicaId(ReplicaId replicaId) {
            this.replicaId = replicaId;
            return this;
        }

        /** The label shown in members; defaults to {@code node-<replica id>}. */
        public Builder nodeName(String nodeName) {
            this.nodeName = nodeName;
            return this;
        }

        /** Where this node's data plane listens, as peers must dial it. */
        public Builder dataAddress(InetSocketAddress dataAddress) {
            this.dataAddress = dataAddress;
            return this;
        }

        public Builder pingInterval(Duration pingInterval) {
            this.pingInterval = pingInterval;
            return this;
        }

        public Builder pingTimeout(Duration pingTimeout) {
            this.pingTimeout = pingTimeout;
            return this;
        }

        public Builder pingReqMembers(int pingReqMembers) {
            this.pingReqMembers = pingReqMembers;
            return this;
        }

        public Builder suspicionMult(int suspicionMult) {
            this.suspicionMult = suspicionMult;
            return this;
        }

        public Builder gossipInterval(Duration gossipInterval) {
            this.gossipInterval = gossipInterval;
            return this;
        }

        public Builder gossipFanout(int gossipFanout) {
            this.gossipFanout = gossipFanout;
            return this;
        }

        public Builder gossipRepeatMult(int gossipRepeatMult) {
            this.gossipRepeatMult = gossipRepeatMult;
            return this;
        }

        public Builder syncInterval(Duration syncInterval) {
            this.syncInterval = syncInterval;
            return this;
        }

        public Builder syncTimeout(Duration syncTimeout) {
            this.syncTimeout = syncTimeout;
            return this;
        }

        public Builder metadataTimeout(Duration metadataTimeout) {
            this.metadataTimeout = metadataTimeout;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder rejoinInterval(Duration rejoinInterval) {
            this.rejoinInterval = rejoinInterval;
            return this;
        }

        public Builder rejoinFanout(int rejoinFanout) {
            this.rejoinFanout = rejoinFanout;
            return this;
        }

        public Builder deadRetention(Duration deadRetention) {
            this.deadRetention = deadRetention;
            return this;
        }

        public Builder leaveTimeout(Duration leaveTimeout) {
            this.leaveTimeout = leaveTimeout;
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /** How many peers (gossip address, replica id) are remembered for rejoining; least recent go first. */
        public Builder maxRememberedPeers(int maxRememberedPeers) {
            this.maxRememberedPeers = maxRememberedPeers;
            return this;
        }

        /** The largest SWIM frame accepted or sent. */
        public Builder maxFrameBytes(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /** Faults to inject into SWIM traffic (tests and chaos runs); null for none. */
        public Builder faults(Faults faults) {
            this.faults = faults;
            return this;
        }

        /** Validates and builds; throws {@link IllegalArgumentException} naming the first bad field. */
        public MembershipConfig build() {
            require(clusterName != null && !clusterName.isEmpty() && utf8(clusterName) <= MAX_NAME_BYTES,
                "clusterName must be 1.." + MAX_NAME_BYTES + " bytes");
            require(secret != null && secret.length >= MIN_SECRET_BYTES,
                "secret must be at least " + MIN_SECRET_BYTES + " bytes");
            require(bindHost != null && !bindHost.isEmpty() && utf8(bindHost) <= MAX_NAME_BYTES, "bindHost must be set");
            require(gossipPort >= 0 && gossipPort <= 65535, "gossipPort must be 0..65535");
            Objects.requireNonNull(seeds, "seeds");
            for (String seed : seeds) {
                require(seed != null && HOST_PORT.matcher(seed).matches()
                    && Integer.parseInt(seed.substring(seed.lastIndexOf(':') + 1)) <= 65535,
                    "seed must be host:port: " + seed);
            }
            require(replicaId != null && replicaId.value() != 0L, "replicaId must be set and non-zero");
            require(nodeName == null || (!nodeName.isEmpty() && utf8(nodeName) <= MAX_NAME_BYTES),
                "nodeName must be 1.." + MAX_NAME_BYTES + " bytes");
            require(dataAddress != null && dataAddress.getPort() > 0
                && utf8(dataAddress.getHostString()) <= MAX_NAME_BYTES, "dataAddress must be set, with a port");
            requirePositive(pingInterval, "pingInterval");
            requirePositive(pingTimeout, "pingTimeout");
            require(pingTimeout.compareTo(pingInterval) < 0, "pingTimeout must be shorter than pingInterval");
            require(pingReqMembers >= 0, "pingReqMembers must be >= 0");
            require(suspicionMult >= 1, "suspicionMult must be >= 1");
            requirePositive(gossipInterval, "gossipInterval");
            require(gossipFanout >= 1, "gossipFanout must be >= 1");
            require(gossipRepeatMult >= 1, "gossipRepeatMult must be >= 1");
            requirePositive(syncInterval, "syncInterval");
            requirePositive(syncTimeout, "syncTimeout");
            requirePositive(metadataTimeout, "metadataTimeout");
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(rejoinInterval, "rejoinInterval");
            require(rejoinFanout >= 1, "rejoinFanout must be >= 1");
            require(deadRetention != null && !deadRetention.isNegative(), "deadRetention must be >= 0");
            requirePositive(leaveTimeout, "leaveTimeout");
            requirePositive(startTimeout, "startTimeout");
            require(maxRememberedPeers >= 1, "maxRememberedPeers must be >= 1");
            require(maxFrameBytes >= 4096 && maxFrameBytes <= 16 * 1024 * 1024, "maxFrameBytes must be 4 KiB..16 MiB");
            for (Duration d : new Duration[] {pingInterval, gossipInterval, syncInterval, syncTimeout, metadataTimeout,
                connectTimeout}) {
                require(d.toMillis() <= Integer.MAX_VALUE, "timings must fit in an int of milliseconds");
            }
            return new MembershipConfig(this);
        }

        private static int utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8).length;
        }

        private static void requirePositive(Duration d, String name) {
            require(d != null && !d.isNegative() && !d.isZero() && d.toMillis() > 0, name + " must be >= 1 ms");
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
