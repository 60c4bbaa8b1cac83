package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import io.scalecube.cluster.ClusterConfig;
import io.scalecube.cluster.ClusterImpl;
import io.scalecube.cluster.ClusterMessageHandler;
import io.scalecube.cluster.gossip.GossipProtocolImpl;
import io.scalecube.cluster.membership.MemberStatus;
import io.scalecube.cluster.membership.MembershipEvent;
import io.scalecube.cluster.membership.MembershipProtocolImpl;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.Transport;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in the mesh: scalecube-cluster's SWIM with Starling's codecs, signed
 * frames and fault injection, plus what scalecube lacks for an edge LAN (see docs/membership.md).
 *
 * <p><b>Identity.</b> The scalecube member id is {@code <replica id>-<epoch>}: the replica id, then
 * 16 hex digits drawn at each start, so a restarted node is a new SWIM member (as SWIM expects) of
 * the same replica. Metadata carries the cluster name, replica id, node name and data-plane
 * address; a member whose metadata disagrees with its id or names another cluster is not listed.
 *
 * <p><b>Rejoin.</b> scalecube removes a dead member from every table, and afterwards syncs only
 * with its seeds and current members; if a partition lasts until each side has removed the other
 * and no seed bridges them, the two sides never meet again (hashicorp/memberlist#222 is the same
 * failure). So every {@code rejoinInterval} this node sends a SWIM sync, carrying its own ALIVE
 * record, to up to {@code rejoinFanout} remembered peers and seeds that are not listed now (peers
 * that left gracefully last). A peer that receives it adds this node (after fetching its metadata)
 * and answers with its whole table, which adds it and its side here: the partition heals in one
 * round trip, with no restart. Remembered peers come from {@link AddressBook}.
 *
 * <p><b>Threads.</b> scalecube runs on its own threads; this class keeps one event thread
 * ({@code starling-membership-<node name>}) that owns the member table, calls the
 * {@link MembershipListener}, and runs the rejoin rounds. {@link #members()}, {@link #self()} and
 * {@link #stats()} may be called from any thread.
 */
public final class Membership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    /** scalecube namespace; cluster names are checked by the signing key and the metadata instead. */
    static final String NAMESPACE = "starling";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(3);

    private final MembershipConfig config;
    private final SwimCounters counters = new SwimCounters();
    private final AddressBook book;
    private final ScheduledExecutorService events;
    private final MemberTable table;
    private final Random random;
    private final String memberId;
    private final long epoch;
    private final AtomicInteger selfIncarnation = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean leaving;
    private volatile ClusterImpl cluster;
    private volatile SwimTransport transport;
    private volatile ScheduledFuture<?> rejoinTask;
    /** Gossip addresses learned from discovery (mDNS): tried like seeds until they are listed. */
    private final Set<String> candidates = java.util.concurrent.ConcurrentHashMap.newKeySet();
    static final int MAX_CANDIDATES = 256;
    private volatile String gossipAddress;

    private Membership(MembershipConfig config, MembershipListener listener) {
        this.config = config;
        this.book = new AddressBook(config.maxRememberedPeers());
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "starling-membership-" + config.nodeName());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.events = executor;
        this.table = new MemberTable(config.clusterName(), config.replicaId(), listener, events,
            config.deadRetention(), book);
        SecureRandom seedSource = new SecureRandom();
        long e;
        do {
            e = seedSource.nextLong();
        } while (e == 0L);
        this.epoch = e;
        this.random = new Random(seedSource.nextLong());
        String epochHex = Long.toHexString(epoch);
        this.memberId = config.replicaId() + "-" + "0".repeat(16 - epochHex.length()) + epochHex;
    }

    /**
     * Binds the gossip port, joins the seeds (waiting at most the config's {@code syncTimeout} for
     * their answer; a node whose seeds are all down starts alone and keeps trying) and returns.
     *
     * @throws IllegalStateException if the node could not start within {@code startTimeout} (the
     *                               port is taken, the host cannot be bound)
     */
    public static Membership start(MembershipConfig config, MembershipListener listener) {
        Membership m = new Membership(config, listener);
        try {
            m.start0();
        } catch (RuntimeException e) {
            m.shutdown(false);
            throw e instanceof IllegalStateException ? e : new IllegalStateException("membership did not start", e);
        }
        return m;
    }

    private void start0() {
        MembershipConfig c = config;
        SwimFrames frames = new SwimFrames(c.secret(), c.clusterName(), c.replicaId().value(), epoch);
        SwimMessageCodec codec = new SwimMessageCodec(frames, new ReplayGuard(c.maxRememberedPeers()), counters,
            c.maxFrameBytes());
        SwimTransport.WireObserver observer = new SwimTransport.WireObserver() {
            @Override
            public void outbound(String address, Message message) {
                observe(message);
            }

            @Override
            public void inbound(ReplicaId from, Message message) {
                observe(message);
            }
        };
        SwimTransportFactory factory = new SwimTransportFactory(c.bindHost(),
            inner -> new SwimTransport(inner, c.replicaId(), c.faults(), book, observer, counters));
        MemberMeta meta = new MemberMeta(c.clusterName(), c.replicaId(), c.nodeName(),
            c.dataAddress().getHostString(), c.dataAddress().getPort());
        ClusterConfig clusterConfig = ClusterConfig.defaultLanConfig()
            .memberId(memberId)
            .memberAlias(c.nodeName())
            .metadata(meta)
            .metadataCodec(new MemberMetaCodec())
            .metadataTimeout(millis(c.metadataTimeout()))
            .transport(t -> t.port(c.gossipPort())
                .messageCodec(codec)
                .maxFrameLength(c.maxFrameBytes())
                .connectTimeout(millis(c.connectTimeout()))
                .transportFactory(factory))
            .failureDetector(f -> f.pingInterval(millis(c.pingInterval()))
                .pingTimeout(millis(c.pingTimeout()))
                .pingReqMembers(c.pingReqMembers()))
            .gossip(g -> g.gossipInterval(c.gossipInterval().toMillis())
                .gossipFanout(c.gossipFanout())
                .gossipRepeatMult(c.gossipRepeatMult()))
            .membership(m -> m.seedMembers(c.seeds())
                .syncInterval(millis(c.syncInterval()))
                .syncTimeout(millis(c.syncTimeout()))
                .suspicionMult(c.suspicionMult())
                .namespace(NAMESPACE));
        ClusterMessageHandler handler = new ClusterMessageHandler() {
            @Override
            public void onMembershipEvent(MembershipEvent event) {
                post(() -> table.onEvent(event));
            }
        };
        cluster = new ClusterImpl(clusterConfig).handler(cl -> handler);
        try {
            cluster.start().block(c.startTimeout());
        } catch (RuntimeException e) {
            throw new IllegalStateException("membership did not start on " + c.bindHost() + ":" + c.gossipPort()
                + ": " + e.getMessage(), e);
        }
        transport = factory.created();
        gossipAddress = cluster.address();
        long rejoinNs = c.rejoinInterval().toNanos();
        rejoinTask = events.scheduleWithFixedDelay(this::rejoinRound, rejoinNs, rejoinNs, TimeUnit.NANOSECONDS);
        LOG.info("membership started: {} as {} ({})", gossipAddress, memberId, c.nodeName());
    }

    /** The gossip (SWIM) address this node listens on and advertises. */
    public InetSocketAddress gossipAddress() {
        return new InetSocketAddress(Transport.parseHost(gossipAddress), Transport.parsePort(gossipAddress));
    }

    /** This node as members see it: ALIVE, or LEFT once {@link #close()} has begun. */
    public Member self() {
        return new Member(config.replicaId(), config.nodeName(), gossipAddress, config.dataAddress(),
            leaving ? dev.starling.node.membership.MemberStatus.LEFT : dev.starling.node.membership.MemberStatus.ALIVE);
    }

    /** This node first, then every listed member by replica id, each with its status. */
    public List<Member> members() {
        List<Member> others = table.others();
        List<Member> all = new ArrayList<>(others.size() + 1);
        all.add(self());
        all.addAll(others);
        return Collections.unmodifiableList(all);
    }

    /**
     * Adds a gossip address ({@code host:port}) to try joining through, as a seed is tried: found by
     * discovery, it is only a candidate (the SWIM signature still decides who is a member). At most
     * {@value #MAX_CANDIDATES} are kept; one already listed as a member is dropped. A join attempt
     * follows at once.
     */
    public void addCandidate(String hostPort) {
        if (closed.get() || hostPort == null || hostPort.equals(gossipAddress)
                || candidates.size() >= MAX_CANDIDATES || !candidates.add(hostPort)) {
            return;
        }
        try {
            events.execute(this::rejoinRound);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    public MembershipStats stats() {
        return counters.snapshot();
    }

    /**
     * Leaves gracefully (members see this node LEFT, then remove it) and stops, within the config's
     * {@code leaveTimeout}; past it, the transport is stopped regardless. Idempotent.
     */
    @Override
    public void close() {
        shutdown(true);
    }

    /** The scalecube member id, {@code <replica id>-<epoch>}. */
    String memberId() {
        return memberId;
    }

    /** The scalecube member of this node (tests forge SWIM messages about it). */
    io.scalecube.cluster.Member scalecubeMember() {
        return cluster.member();
    }

    /** Stops without telling anyone, as a crash would: the transport goes first, so no leave gets out. */
    void kill() {
        if (transport != null) {
            try {
                transport.stop().block(STOP_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.debug("transport stop: {}", e.toString());
            }
        }
        shutdown(false);
    }

    private void shutdown(boolean leave) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        leaving = true;
        if (rejoinTask != null) {
            rejoinTask.cancel(false);
        }
        if (cluster != null) {
            cluster.shutdown();
            try {
                cluster.onShutdown().block(leave ? config.leaveTimeout() : STOP_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("membership {} did not shut down in time ({}); stopping its transport", gossipAddress,
                    e.toString());
                SwimTransport t = transport;
                if (t != null) {
                    try {
                        t.stop().block(STOP_TIMEOUT);
                    } catch (RuntimeException again) {
                        LOG.warn("SWIM transport {} did not stop: {}", gossipAddress, again.toString());
                    }
                }
            }
        }
        events.shutdown();
        try {
            if (!events.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                events.shutdownNow();
            }
        } catch (InterruptedException e) {
            events.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ rejoin

    private void rejoinRound() {
        if (closed.get() || transport == null) {
            return;
        }
        Set<String> listed = table.listedAddresses();
        Set<String> first = new LinkedHashSet<>();
        Set<String> last = new LinkedHashSet<>();
        for (String seed : config.seeds()) {
            if (!listed.contains(seed) && !seed.equals(gossipAddress)) {
                first.add(seed);
            }
        }
        for (String c : candidates) {
            if (listed.contains(c)) {
                candidates.remove(c);
            } else if (!c.equals(gossipAddress)) {
                first.add(c);
            }
        }
        for (AddressBook.Peer peer : book.peers()) {
            String a = peer.address();
            if (!listed.contains(a) && !a.equals(gossipAddress)) {
                (peer.left() ? last : first).add(a);
            }
        }
        last.removeAll(first);
        List<String> targets = new ArrayList<>(first);
        Collections.shuffle(targets, random);
        List<String> tail = new ArrayList<>(last);
        Collections.shuffle(tail, random);
        targets.addAll(tail);
        if (targets.isEmpty()) {
            return;
        }
        Message sync = rejoinSync();
        for (String address : targets.subList(0, Math.min(config.rejoinFanout(), targets.size()))) {
            counters.rejoinAttempts.increment();
            transport.send(address, sync).subscribe(null,
                e -> LOG.debug("rejoin sync to {} failed: {}", address, e.toString()));
        }
    }

    /**
     * A SWIM sync holding only this node's ALIVE record at its latest incarnation seen on the wire.
     * No correlation id: the answer is processed as an ordinary sync-ack. An outdated incarnation is
     * harmless: a receiver that still holds a newer record of this node ignores it, and its answer
     * then makes this node refute with a higher one.
     */
    private Message rejoinSync() {
        Object record = ScalecubeTypes.newRecord(cluster.member(), MemberStatus.ALIVE, selfIncarnation.get());
        return Message.withData(ScalecubeTypes.newSyncData(List.of(record)))
            .qualifier(MembershipProtocolImpl.SYNC)
            .sender(gossipAddress)
            .build();
    }

    // ------------------------------------------------------------------ wire observation

    private void observe(Message message) {
        String q = message.qualifier();
        if (MembershipProtocolImpl.SYNC.equals(q) || MembershipProtocolImpl.SYNC_ACK.equals(q)) {
            for (Object record : ScalecubeTypes.syncRecords(message.data())) {
                observeRecord(record);
            }
        } else if (GossipProtocolImpl.GOSSIP_REQ.equals(q)) {
            for (Object gossip : ScalecubeTypes.gossipRequestGossips(message.data())) {
                Message inner = ScalecubeTypes.gossipMessage(gossip);
                if (MembershipProtocolImpl.MEMBERSHIP_GOSSIP.equals(inner.qualifier())) {
                    observeRecord(inner.data());
                }
            }
        }
    }

    private void observeRecord(Object record) {
        io.scalecube.cluster.Member m = ScalecubeTypes.recordMember(record);
        MemberStatus status = ScalecubeTypes.recordStatus(record);
        int incarnation = ScalecubeTypes.recordIncarnation(record);
        if (m.id().equals(memberId)) {
            selfIncarnation.accumulateAndGet(incarnation, Math::max);
            return;
        }
        ReplicaId replica = replicaOfMemberId(m.id());
        if (replica == null) {
            return;
        }
        if (status == MemberStatus.ALIVE && !replica.equals(config.replicaId())) {
            book.learn(m.address(), replica);
        }
        post(() -> table.onRecord(m.id(), status, incarnation));
    }

    /** The replica id in a Starling member id ({@code <16 hex>-<16 hex>}), or null if it is not one. */
    static ReplicaId replicaOfMemberId(String memberId) {
        if (memberId == null || memberId.length() != 33 || memberId.charAt(16) != '-') {
            return null;
        }
        try {
            return ReplicaId.parse(memberId.substring(0, 16));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void post(Runnable task) {
        try {
            events.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("membership event failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: events after close are of no interest
        }
    }

    private static int millis(Duration d) {
        return Math.toIntExact(d.toMillis());
    }

    @Override
    public String toString() {
        return "Membership[" + config.nodeName() + " " + gossipAddress + " " + memberId + "]";
    }
}
