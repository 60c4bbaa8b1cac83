package dev.starling.node;

import dev.starling.index.encoder.TextEncoder;
import dev.starling.node.store.SyncPolicy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a node needs to start, validated once by {@link Builder#build()}. The subsystems' own
 * configurations (store, transport, membership, replication) are derived from it with the preset
 * of its {@link Profile}.
 */
public final class NodeConfig {

    /** Timing presets of every subsystem. */
    public enum Profile {
        /** A LAN of devices: SWIM failure detection within about 10 s, heartbeats of 1 s. */
        LAN,
        /** Several nodes on one machine's loopback (tests, the demo): everything an order faster. */
        LOCAL
    }

    public static final int MIN_SECRET_BYTES = 16;
    public static final long DEFAULT_MAX_CLOCK_DRIFT_MS = 60_000;

    private final String name;
    private final Path dataDir;
    private final String cluster;
    private final byte[] secret;
    private final String bindHost;
    private final int gossipPort;
    private final int dataPort;
    private final List<String> seeds;
    private final SyncPolicy sync;
    private final Profile profile;
    private final long maxClockDriftMs;
    private final Duration idleMaxPark;
    private final int writeQueueCapacity;
    private final boolean mdns;
    private final dev.starling.transport.TlsConfig tls;
    private final TextEncoder encoder;

    private NodeConfig(Builder b) {
        this.name = b.name;
        this.dataDir = b.dataDir;
        this.cluster = b.cluster;
        this.secret = b.secret.clone();
        this.bindHost = b.bindHost;
        this.gossipPort = b.gossipPort;
        this.dataPort = b.dataPort;
        this.seeds = List.copyOf(b.seeds);
        this.sync = b.sync;
        this.profile = b.profile;
        this.maxClockDriftMs = b.maxClockDriftMs;
        this.idleMaxPark = b.idleMaxPark;
        this.writeQueueCapacity = b.writeQueueCapacity;
        this.mdns = b.mdns;
        this.encoder = b.encoder;
        this.tls = b.tls;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The label shown in members (default: the host name). */
    public String name() {
        return name;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String cluster() {
        return cluster;
    }

    public byte[] secret() {
        return secret.clone();
    }

    public String bindHost() {
        return bindHost;
    }

    /** SWIM port; 0 picks a free one. */
    public int gossipPort() {
        return gossipPort;
    }

    /** Data-plane port; 0 picks a free one. */
    public int dataPort() {
        return dataPort;
    }

    /** Gossip addresses ({@code host:port}) of peers to join through. */
    public List<String> seeds() {
        return seeds;
    }

    public SyncPolicy sync() {
        return sync;
    }

    public Profile profile() {
        return profile;
    }

    /** How far ahead of this node's clock a remote HLC may be before it is clamped and counted. */
    public long maxClockDriftMs() {
        return maxClockDriftMs;
    }

    /**
     * The longest the replica agent parks when it has nothing to do: the worst added latency of an
     * idle node's first message, against its CPU use while idle (it spins, then yields, then parks
     * for growing times up to this).
     */
    public Duration idleMaxPark() {
        return idleMaxPark;
    }

    /** Bound of the queue from API callers to the replica agent; a write to a full queue is refused. */
    public int writeQueueCapacity() {
        return writeQueueCapacity;
    }

    /** Whether the node advertises itself and discovers peers of its cluster with mDNS. */
    public boolean mdns() {
        return mdns;
    }

    /**
     * The encoder that turns the text of upserts and searches into vectors, or null: the node then
     * takes vectors only. The node uses it but does not own it (whoever made it closes it).
     */
    public TextEncoder encoder() {
        return encoder;
    }

    /** TLS of the data plane (certificate, key, cluster CA, mutual), or {@code null} for plain TCP. */
    public dev.starling.transport.TlsConfig tls() {
        return tls;
    }

    public static final class Builder {
        private String name = defaultName();
        private Path dataDir = Paths.get("starling-data");
        private String cluster = "starling";
        private byte[] secret;
        private String bindHost = "127.0.0.1";
        private int gossipPort = 7946;
        private int dataPort = 7947;
        private final List<String> seeds = new ArrayList<>();
        private SyncPolicy sync = SyncPolicy.INTERVAL;
        private Profile profile = Profile.LAN;
        private long maxClockDriftMs = DEFAULT_MAX_CLOCK_DRIFT_MS;
        private Duration idleMaxPark = Duration.ofMillis(1);
        private int writeQueueCapacity = 65_536;
        private boolean mdns;
        private TextEncoder encoder;
        private dev.starling.transport.TlsConfig tls;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder cluster(String cluster) {
            this.cluster = cluster;
            return this;
        }

        public Builder secret(byte[] secret) {
            this.secret = Objects.requireNonNull(secret, "secret").clone();
            return this;
        }

        public Builder bindHost(String host) {
            this.bindHost = host;
            return this;
        }

        public Builder gossipPort(int port) {
            this.gossipPort = port;
            return this;
        }

        public Builder dataPort(int port) {
            this.dataPort = port;
            return this;
        }

        public Builder seed(String hostPort) {
            this.seeds.add(hostPort);
            return this;
        }

        public Builder seeds(List<String> hostPorts) {
            this.seeds.clear();
            this.seeds.addAll(hostPorts);
            return this;
        }

        public Builder sync(SyncPolicy sync) {
            this.sync = sync;
            return this;
        }

        public Builder profile(Profile profile) {
            this.profile = profile;
            return this;
        }

        public Builder maxClockDriftMs(long ms) {
            this.maxClockDriftMs = ms;
            return this;
        }

        public Builder idleMaxPark(Duration d) {
            this.idleMaxPark = d;
            return this;
        }

        public Builder writeQueueCapacity(int capacity) {
            this.writeQueueCapacity = capacity;
            return this;
        }

        /** Data-plane TLS; peers must present certificates of the same cluster CA. */
        public Builder tls(dev.starling.transport.TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** The text encoder for collections (null, the default: vectors only); see {@link NodeConfig#encoder()}. */
        public Builder encoder(TextEncoder encoder) {
            this.encoder = encoder;
            return this;
        }

        public Builder mdns(boolean on) {
            this.mdns = on;
            return this;
        }

        /** Checks every setting; throws {@link IllegalArgumentException} naming the first bad one. */
        public NodeConfig build() {
            require(name != null && !name.isBlank() && name.length() <= 128, "name must have 1 to 128 characters");
            require(dataDir != null, "dataDir is required");
            require(cluster != null && cluster.matches("[A-Za-z0-9._-]{1,64}"),
                "cluster must match [A-Za-z0-9._-]{1,64}: " + cluster);
            require(secret != null, "a cluster secret is required");
            require(secret.length >= MIN_SECRET_BYTES, "the secret must have at least " + MIN_SECRET_BYTES + " bytes");
            require(bindHost != null && !bindHost.isBlank(), "bindHost is required");
            require(gossipPort >= 0 && gossipPort <= 65535, "gossipPort out of range: " + gossipPort);
            require(dataPort >= 0 && dataPort <= 65535, "dataPort out of range: " + dataPort);
            for (String s : seeds) {
                require(s != null && s.lastIndexOf(':') > 0, "a seed is host:port: " + s);
                String port = s.substring(s.lastIndexOf(':') + 1);
                require(port.matches("[0-9]{1,5}") && Integer.parseInt(port) > 0 && Integer.parseInt(port) <= 65535,
                    "bad seed port: " + s);
            }
            require(sync != null, "sync is required");
            require(profile != null, "profile is required");
            require(maxClockDriftMs >= 1000, "maxClockDriftMs must be >= 1000: " + maxClockDriftMs);
            require(idleMaxPark != null && !idleMaxPark.isNegative() && idleMaxPark.toMillis() <= 100,
                "idleMaxPark must be between 0 and 100 ms");
            require(writeQueueCapacity >= 16 && writeQueueCapacity <= (1 << 24),
                "writeQueueCapacity must be between 16 and 2^24");
            return new NodeConfig(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        private static String defaultName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                return "starling";
            }
        }
    }
}
