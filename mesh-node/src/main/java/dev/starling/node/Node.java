package dev.starling.node;

import dev.starling.crdt.HybridLogicalClock;
import dev.starling.crdt.ReplicaId;
import dev.starling.node.discovery.MdnsConfig;
import dev.starling.node.discovery.MdnsDiscovery;
import dev.starling.node.membership.Member;
import dev.starling.node.membership.Membership;
import dev.starling.node.membership.MembershipConfig;
import dev.starling.node.membership.MembershipListener;
import dev.starling.node.plane.DataPlane;
import dev.starling.node.plane.FaultyDataPlane;
import dev.starling.node.plane.TransportDataPlane;
import dev.starling.node.fault.Faults;
import dev.starling.node.replication.AckLevel;
import dev.starling.node.replication.CollectionState;
import dev.starling.node.replication.ObjectKey;
import dev.starling.node.replication.ObjectKind;
import dev.starling.node.replication.Op;
import dev.starling.node.replication.Replicator;
import dev.starling.node.replication.ReplicatorConfig;
import dev.starling.node.store.Store;
import dev.starling.node.store.StoreConfig;
import dev.starling.transport.Transport;
import dev.starling.transport.TransportConfig;
import dev.starling.transport.TransportListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Starling node embedded in this process: its store, data plane, membership and replica agent,
 * and typed handles to named objects.
 *
 * <pre>{@code
 * try (Node node = Node.start(NodeConfig.builder()
 *         .dataDir(Path.of("/var/lib/robot/starling"))
 *         .cluster("line-3").secret(secret)
 *         .seed("10.0.0.2:7946")
 *         .build())) {
 *     MapHandle config = node.map("planner");
 *     config.put("temperature", 0.7, ValueType.FLOAT64);
 *     double t = config.get("temperature", ValueType.FLOAT64); // lock-free, allocation-free
 * }
 * }</pre>
 *
 * <p>Handles are cheap, thread-safe and may be kept; reads go to the latest published state,
 * writes are queued to the replica agent and return a future that completes when the write's ack
 * level is met or its timeout passes (see {@link WriteResult}).
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(2);
    /** The API's limit on map keys, set elements and document ids, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;

    private final NodeConfig config;
    private final Store store;
    private final Transport transport;
    private final DataPlane plane;
    private final ReplicaAgent agent;
    private final AgentRunner runner;
    private final ConcurrentHashMap<ObjectKey, ObjectCell> cells;
    private final ChangeFeed feed;
    private final Syncer syncer;
    private volatile Membership membership;
    private volatile MdnsDiscovery discovery;
    private volatile CollectionIndexer indexer;
    private volatile boolean closed;

    private Node(NodeConfig config, Store store, Transport transport, DataPlane plane, ReplicaAgent agent,
                 AgentRunner runner, ConcurrentHashMap<ObjectKey, ObjectCell> cells, ChangeFeed feed,
                 Syncer syncer) {
        this.config = config;
        this.store = store;
        this.transport = transport;
        this.plane = plane;
        this.agent = agent;
        this.runner = runner;
        this.cells = cells;
        this.feed = feed;
        this.syncer = syncer;
    }

    /** Opens the data directory, binds the ports, joins the cluster and returns the running node. */
    public static Node start(NodeConfig config) {
        return start(config, null);
    }

    /**
     * As {@link #start(NodeConfig)}, with faults injected into both the data plane and SWIM (tests
     * and chaos runs only).
     */
    public static Node start(NodeConfig config, Faults faults) {
        Objects.requireNonNull(config, "config");
        boolean local = config.profile() == NodeConfig.Profile.LOCAL;
        StoreConfig storeConfig = (local ? StoreConfig.local() : StoreConfig.lan()).toBuilder()
            .syncPolicy(config.sync()).build();
        Store store = Store.open(config.dataDir(), storeConfig);
        Transport transport = null;
        AgentRunner runner = null;
        Syncer syncer = null;
        try {
            ReplicaId self = store.replicaId();
            TransportConfig.Builder tc = local
                ? TransportConfig.local(self, config.cluster(), config.secret())
                : TransportConfig.lan(self, config.cluster(), config.secret());
            ConcurrentHashMap<ObjectKey, ObjectCell> cells = new ConcurrentHashMap<>();
            AgentEvents events = new AgentEvents();
            if (config.tls() != null) {
                tc.tls(config.tls());
            }
            transport = new Transport(tc.bindHost(config.bindHost()).port(config.dataPort()).build(), events);
            transport.start();
            DataPlane plane = new TransportDataPlane(transport);
            if (faults != null) {
                plane = new FaultyDataPlane(plane, faults, System::nanoTime);
            }
            HybridLogicalClock clock = new HybridLogicalClock(self, System::currentTimeMillis, config.maxClockDriftMs());
            // the agent flushes acks once per cycle (ReplicaAgent.doWork)
            ReplicatorConfig rc = (local ? ReplicatorConfig.local() : ReplicatorConfig.lan()).toBuilder()
                .coalesceAcks(true).build();
            Replicator replicator = new Replicator(rc, clock, store, new Random(new SecureRandom().nextLong()));
            for (ObjectKey key : replicator.objects()) {
                cells.computeIfAbsent(key, ObjectCell::new).publish(replicator.state(key));
            }
            ChangeFeed feed = new ChangeFeed(store);
            ReplicaAgent agent = new ReplicaAgent("starling-agent-" + config.name(), replicator, store, plane,
                config.writeQueueCapacity(), cells, () -> System.nanoTime() / 1_000_000L, local ? 2 : 10, feed);
            events.agent = agent;
            long maxParkNs = Math.max(1_000, config.idleMaxPark().toNanos());
            runner = new AgentRunner(new BackoffIdleStrategy(64, 16, 1_000, maxParkNs),
                e -> LOG.error("replica agent of {} failed a duty cycle", config.name(), e),
                (AtomicCounter) null, agent);
            AgentRunner.startOnThread(runner);
            if (config.sync() == dev.starling.node.store.SyncPolicy.INTERVAL) {
                syncer = new Syncer(store, storeConfig.syncIntervalNs(), config.name());
                syncer.start();
            }
            Node node = new Node(config, store, transport, plane, agent, runner, cells, feed, syncer);
            try {
                Set<String> collections = new HashSet<>();
                cells.keySet().forEach(k -> {
                    if (k.kind() == ObjectKind.COLLECTION) {
                        collections.add(k.name());
                    }
                });
                node.indexer = new CollectionIndexer(config.name(), feed, node::collectionState, collections,
                    config.dataDir().resolve("index"), c -> c);
                node.membership = Membership.start(membershipConfig(config, self, plane.localAddress(), faults), events);
                if (config.mdns()) {
                    node.discovery = startDiscovery(config, self, node.membership, plane.localAddress());
                }
            } catch (RuntimeException | Error e) {
                node.close();
                throw e;
            }
            LOG.info("node {} replica={} gossip={} data={} started", config.name(), self,
                node.membership.gossipAddress(), plane.localAddress());
            return node;
        } catch (RuntimeException | Error e) {
            closeQuietly(runner);
            closeQuietly(syncer);
            closeQuietly(transport);
            closeQuietly(store);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(runner);
            closeQuietly(syncer);
            closeQuietly(transport);
            closeQuietly(store);
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    private static MdnsDiscovery startDiscovery(NodeConfig config, ReplicaId self, Membership membership,
                                                InetSocketAddress data) {
        try {
            MdnsConfig mc = MdnsConfig.builder()
                .bindAddress(InetAddress.getByName(config.bindHost()))
                .nodeName(config.name())
                .cluster(config.cluster())
                .replicaId(self)
                .gossip(membership.gossipAddress())
                .data(data)
                .build();
            return MdnsDiscovery.start(mc, peer -> membership.addCandidate(peer.gossip()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mDNS on " + config.bindHost() + ": " + e.getMessage(), e);
        }
    }

    private static MembershipConfig membershipConfig(NodeConfig config, ReplicaId self, InetSocketAddress data,
                                                     Faults faults) {
        MembershipConfig.Builder b = config.profile() == NodeConfig.Profile.LOCAL
            ? MembershipConfig.local() : MembershipConfig.lan();
        b.clusterName(config.cluster())
            .secret(config.secret())
            .bindHost(config.bindHost())
            .gossipPort(config.gossipPort())
            .seeds(config.seeds())
            .replicaId(self)
            .nodeName(config.name())
            .dataAddress(data);
        if (faults != null) {
            b.faults(faults);
        }
        return b.build();
    }

    public boolean isClosed() {
        return closed;
    }

    public NodeConfig config() {
        return config;
    }

    public ReplicaId replicaId() {
        return store.replicaId();
    }

    public String name() {
        return config.name();
    }

    public InetSocketAddress gossipAddress() {
        return membership.gossipAddress();
    }

    public InetSocketAddress dataAddress() {
        return plane.localAddress();
    }

    /** Data-plane counters of the connection to {@code peer}, or {@code null} if there is none. */
    public dev.starling.transport.PeerStats peerStats(ReplicaId peer) {
        return transport.stats(peer);
    }

    /** Members as SWIM sees them, this node included. */
    public List<Member> members() {
        return membership.members();
    }

    /**
     * The root of the replicated-state digest, as of the last applied change: two nodes with equal
     * roots hold identical replicated state.
     */
    public String digest() {
        return agent.digestRoot();
    }

    /** Entries covered by {@link #digest()}. */
    public long digestEntries() {
        return agent.objectCount();
    }

    /**
     * The kind of the object named {@code name} on this node, or {@code null} if this node has never
     * seen it. If concurrent creations left the name with several kinds, the one with the lowest
     * tag. Any thread: reads what the replica agent published (the cells), never the replicator.
     */
    public ObjectKind kindOf(String name) {
        if (!ObjectKey.isValidName(name)) {
            return null;
        }
        for (ObjectKind kind : ObjectKind.values()) {
            ObjectCell cell = cells.get(new ObjectKey(kind, name));
            if (cell != null && cell.state() != null) {
                return kind;
            }
        }
        return null;
    }

    /**
     * Whether this node has seen an object of {@code kind} named {@code name}. Any thread, and
     * unlike a handle's {@code exists()} it creates nothing for a name never seen.
     */
    public boolean holds(String name, ObjectKind kind) {
        if (!ObjectKey.isValidName(name)) {
            return false;
        }
        ObjectCell cell = cells.get(new ObjectKey(kind, name));
        return cell != null && cell.state() != null;
    }

    /**
     * The replicator's counters (deltas, anti-entropy, acks), as of at most a second ago. Any
     * thread: a snapshot the replica agent publishes.
     */
    public dev.starling.node.replication.ReplicatorStats replicationStats() {
        return agent.stats();
    }

    /**
     * Per peer the replication knows: milliseconds since the oldest local write it has not yet
     * acknowledged was made (0 when it has everything), sampled every second. Any thread.
     */
    public java.util.Map<ReplicaId, Long> replicationLagMs() {
        return agent.lagMs();
    }

    /** Bytes of the store's LMDB environment in use (free pages included). */
    public long storeSizeBytes() {
        return store.sizeBytes();
    }

    /** Every applied change, local or replicated, with node-local cursors. */
    public ChangeFeed changes() {
        return feed;
    }

    /** A collection of documents with embeddings, searchable by similarity (see {@link CollectionHandle}). */
    public CollectionHandle collection(String name) {
        return new CollectionHandle(this, cell(new ObjectKey(ObjectKind.COLLECTION, name)));
    }

    /** The names of the collections this node holds, sorted. Any thread. */
    public List<String> collections() {
        List<String> names = new java.util.ArrayList<>();
        cells.forEach((k, cell) -> {
            if (k.kind() == ObjectKind.COLLECTION && cell.state() != null) {
                names.add(k.name());
            }
        });
        java.util.Collections.sort(names);
        return names;
    }

    /** The published state of collection {@code name}, or null if this node has never seen it. */
    CollectionState collectionState(String name) {
        ObjectCell cell = cells.get(new ObjectKey(ObjectKind.COLLECTION, name));
        return cell == null ? null : (CollectionState) cell.state();
    }

    CollectionIndexer indexer() {
        return indexer;
    }

    public MapHandle map(String name) {
        return new MapHandle(this, cell(new ObjectKey(ObjectKind.MAP, name)));
    }

    public SetHandle set(String name) {
        return new SetHandle(this, cell(new ObjectKey(ObjectKind.SET, name)));
    }

    public CounterHandle counter(String name) {
        return new CounterHandle(this, cell(new ObjectKey(ObjectKind.COUNTER, name)));
    }

    /** A register read with the resolver its kind names ({@code REGISTER_LWW}, ...). */
    public RegisterHandle register(String name, ObjectKind kind) {
        if (!kind.isRegister()) {
            throw new IllegalArgumentException("not a register kind: " + kind);
        }
        return new RegisterHandle(this, cell(new ObjectKey(kind, name)));
    }

    private ObjectCell cell(ObjectKey key) {
        return cells.computeIfAbsent(key, ObjectCell::new);
    }

    CompletableFuture<WriteResult> write(Op op, AckLevel ack, Duration timeout) {
        CompletableFuture<WriteResult> result = new CompletableFuture<>();
        try {
            validate(op);
            Objects.requireNonNull(ack, "ack");
            if (timeout.isNegative() || timeout.toMillis() > TimeUnit.HOURS.toMillis(1)) {
                throw new IllegalArgumentException("timeout must be between 0 and 1 hour: " + timeout);
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return result;
        }
        if (closed) {
            result.completeExceptionally(new IllegalStateException("node is closed"));
            return result;
        }
        long timeoutMs = timeout.toMillis();
        ReplicaAgent.Command command = new ReplicaAgent.Command() {
            @Override
            public void run(ReplicaAgent a, long nowMs) {
                a.submit(op, ack, timeoutMs, result);
            }

            @Override
            public void abandon() {
                result.completeExceptionally(new IllegalStateException("node closed before the write was applied"));
            }
        };
        if (!agent.offerWrite(command)) {
            result.completeExceptionally(new RejectedExecutionException(
                "the node's write queue is full (" + config.writeQueueCapacity() + " writes): retry later"));
        }
        return result;
    }

    private static void validate(Op op) {
        op.object(); // checks the name
        if (op instanceof Op.DocUpsert u) {
            checkKey(u.id());
        } else if (op instanceof Op.DocDelete d) {
            checkKey(d.id());
        } else if (op instanceof Op.MapPut p) {
            checkKey(p.key());
        } else if (op instanceof Op.MapRemove r) {
            checkKey(r.key());
        } else if (op instanceof Op.SetUpdate s) {
            s.add().forEach(Node::checkKey);
            s.remove().forEach(Node::checkKey);
        }
    }

    static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a key must not be empty");
        }
        if (key.length() > MAX_KEY_BYTES || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("a key has at most " + MAX_KEY_BYTES + " UTF-8 bytes");
        }
    }

    /**
     * Leaves the cluster gracefully, stops the agent after it has committed what it holds, closes
     * the data plane and flushes the store. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(discovery);
        closeQuietly(membership);
        closeQuietly(runner);
        closeQuietly(indexer);
        closeQuietly(syncer);
        closeQuietly(plane);
        closeQuietly(store);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", c.getClass().getSimpleName(), e);
        }
    }

    /** Membership and transport events, turned into agent commands. Called on their threads. */
    private static final class AgentEvents implements MembershipListener, TransportListener {
        volatile ReplicaAgent agent;

        private void post(ReplicaAgent.Command c) {
            ReplicaAgent a = agent;
            if (a != null && !a.offerControl(c)) {
                LOG.warn("control queue of the replica agent is full: event dropped");
            }
        }

        private boolean isSelf(Member m) {
            ReplicaAgent a = agent;
            return a == null || m.replicaId().equals(a.self());
        }

        @Override
        public void onAlive(Member m) {
            if (isSelf(m)) {
                return;
            }
            post((a, now) -> a.peerUp(m.replicaId(), m.dataAddress(), now));
        }

        @Override
        public void onSuspect(Member m) {
            // SWIM has not decided yet; replication keeps trying, the data plane has its own heartbeats.
        }

        @Override
        public void onDead(Member m) {
            if (!isSelf(m)) {
                post((a, now) -> a.peerDown(m.replicaId(), now));
            }
        }

        @Override
        public void onLeft(Member m) {
            if (!isSelf(m)) {
                post((a, now) -> a.peerDown(m.replicaId(), now));
            }
        }

        @Override
        public void onRemoved(Member m) {
            if (!isSelf(m)) {
                post((a, now) -> a.peerRemoved(m.replicaId(), now));
            }
        }

        @Override
        public void onBehind(ReplicaId peer) {
            post((a, now) -> a.peerBehind(peer, now));
        }
    }
}
