package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import io.scalecube.cluster.membership.MembershipEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members as Starling reports them, built from two sources, on the membership's event thread
 * only (no locks; readers get an immutable snapshot):
 * <ol>
 *   <li>scalecube's membership events: ADDED (alive, with metadata), UPDATED, LEAVING (left) and
 *       REMOVED (dead, or the end of a leave);</li>
 *   <li>the SWIM membership records seen on the wire by {@link SwimTransport} (sync tables and
 *       membership gossip, sent or received). scalecube publishes no event for SUSPECT, nor for a
 *       refuted suspicion, so this table keeps the last record per member with SWIM's precedence
 *       (higher incarnation wins; at equal incarnation ALIVE &lt; SUSPECT &lt; LEAVING &lt; DEAD)
 *       and reports SUSPECT and back-to-ALIVE from it.</li>
 * </ol>
 * scalecube removes a member the moment it is declared dead; this table lists it as DEAD for
 * {@code deadRetention} more, then removes it. A member that left is removed when scalecube removes
 * it. Members are keyed by scalecube member id ({@code <replica id>-<epoch>}); when a replica shows
 * up under a new member id (it restarted), the old entry is removed first.
 */
final class MemberTable {

    private static final Logger LOG = LoggerFactory.getLogger(MemberTable.class);
    private static final int MAX_WIRE_RECORDS = 4096;

    private record Wire(io.scalecube.cluster.membership.MemberStatus status, int incarnation) {
        boolean overrides(Wire older) {
            if (incarnation != older.incarnation) {
                return incarnation > older.incarnation;
            }
            return status.ordinal() > older.status.ordinal();
        }
    }

    private static final class Entry {
        final String memberId;
        Member member;
        long generation;
        ScheduledFuture<?> removal;

        Entry(String memberId, Member member) {
            this.memberId = memberId;
            this.member = member;
        }
    }

    private final String clusterName;
    private final ReplicaId self;
    private final MembershipListener listener;
    private final ScheduledExecutorService executor;
    private final Duration deadRetention;
    private final AddressBook book;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Map<String, Wire> wire = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Wire> eldest) {
            return size() > MAX_WIRE_RECORDS;
        }
    };
    private volatile List<Member> others = List.of();

    MemberTable(String clusterName, ReplicaId self, MembershipListener listener, ScheduledExecutorService executor,
                Duration deadRetention, AddressBook book) {
        this.clusterName = clusterName;
        this.self = self;
        this.listener = listener;
        this.executor = executor;
        this.deadRetention = deadRetention;
        this.book = book;
    }

    /** Every member but the local one, by replica id; safe from any thread. */
    List<Member> others() {
        return others;
    }

    /** Gossip addresses of the members listed alive, suspect or left. */
    Set<String> listedAddresses() {
        Set<String> addresses = new HashSet<>();
        for (Entry e : entries.values()) {
            if (e.member.status() != MemberStatus.DEAD) {
                addresses.add(e.member.gossipAddress());
            }
        }
        return addresses;
    }

    void onEvent(MembershipEvent event) {
        io.scalecube.cluster.Member m = event.member();
        switch (event.type()) {
            case ADDED -> added(m, event.newMetadata());
            case UPDATED -> added(m, event.newMetadata());
            case LEAVING -> leaving(m.id());
            case REMOVED -> removed(m.id());
            default -> {
            }
        }
    }

    /** A SWIM membership record about {@code memberId}, seen on the wire. */
    void onRecord(String memberId, io.scalecube.cluster.membership.MemberStatus status, int incarnation) {
        Wire next = new Wire(status, incarnation);
        Wire previous = wire.get(memberId);
        if (previous != null && !next.overrides(previous)) {
            return;
        }
        wire.put(memberId, next);
        Entry e = entries.get(memberId);
        if (e == null) {
            return;
        }
        MemberStatus current = e.member.status();
        if (current != MemberStatus.ALIVE && current != MemberStatus.SUSPECT) {
            return;
        }
        MemberStatus derived = switch (status) {
            case ALIVE -> MemberStatus.ALIVE;
            case SUSPECT -> MemberStatus.SUSPECT;
            default -> current; // LEAVING and DEAD arrive as scalecube events
        };
        if (derived != current) {
            e.member = e.member.withStatus(derived);
            publish();
            if (derived == MemberStatus.SUSPECT) {
                notify(Kind.SUSPECT, e.member);
            } else {
                notify(Kind.ALIVE, e.member);
            }
        }
    }

    private void added(io.scalecube.cluster.Member m, ByteBuffer metadata) {
        MemberMeta meta;
        try {
            meta = MemberMetaCodec.decode(metadata);
        } catch (SwimDecodeException e) {
            LOG.debug("member {} without valid metadata ignored: {}", m, e.getMessage());
            return;
        }
        ReplicaId idReplica = Membership.replicaOfMemberId(m.id());
        if (!clusterName.equals(meta.cluster()) || !meta.replicaId().equals(idReplica)) {
            LOG.warn("member {} ignored: metadata says cluster {} replica {}", m, meta.cluster(), meta.replicaId());
            return;
        }
        if (meta.replicaId().equals(self)) {
            LOG.error("member {} claims this node's replica id {}: two nodes share a data directory?", m, self);
            return;
        }
        retireOtherIncarnations(m.id(), meta.replicaId());
        Member member = new Member(meta.replicaId(), meta.name(), m.address(),
            new InetSocketAddress(meta.dataHost(), meta.dataPort()), MemberStatus.ALIVE);
        book.learn(m.address(), meta.replicaId());
        Wire w = wire.get(m.id());
        wire.put(m.id(), new Wire(io.scalecube.cluster.membership.MemberStatus.ALIVE, w == null ? 0 : w.incarnation));
        Entry e = entries.get(m.id());
        if (e == null) {
            entries.put(m.id(), new Entry(m.id(), member));
            publish();
            notify(Kind.ALIVE, member);
            return;
        }
        cancelRemoval(e);
        e.generation++;
        Member before = e.member;
        e.member = member;
        publish();
        if (!before.equals(member)) {
            notify(Kind.ALIVE, member);
        }
    }

    private void leaving(String memberId) {
        Entry e = entries.get(memberId);
        if (e == null || e.member.status() == MemberStatus.LEFT) {
            return;
        }
        cancelRemoval(e);
        e.generation++;
        e.member = e.member.withStatus(MemberStatus.LEFT);
        book.markLeft(e.member.gossipAddress());
        publish();
        notify(Kind.LEFT, e.member);
    }

    private void removed(String memberId) {
        wire.remove(memberId);
        Entry e = entries.get(memberId);
        if (e == null) {
            return;
        }
        if (e.member.status() == MemberStatus.LEFT || e.member.status() == MemberStatus.DEAD) {
            remove(e);
            return;
        }
        e.generation++;
        e.member = e.member.withStatus(MemberStatus.DEAD);
        publish();
        notify(Kind.DEAD, e.member);
        if (deadRetention.isZero()) {
            remove(e);
        } else {
            long generation = e.generation;
            e.removal = executor.schedule(() -> expire(memberId, generation), deadRetention.toNanos(),
                TimeUnit.NANOSECONDS);
        }
    }

    private void expire(String memberId, long generation) {
        Entry e = entries.get(memberId);
        if (e != null && e.generation == generation && e.member.status() == MemberStatus.DEAD) {
            remove(e);
        }
    }

    private void retireOtherIncarnations(String memberId, ReplicaId replica) {
        List<Entry> stale = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!e.memberId.equals(memberId) && e.member.replicaId().equals(replica)) {
                stale.add(e);
            }
        }
        for (Entry e : stale) {
            LOG.info("replica {} is back as member {}; removing its old member {}", replica, memberId, e.memberId);
            remove(e);
        }
    }

    private void remove(Entry e) {
        cancelRemoval(e);
        entries.remove(e.memberId);
        publish();
        notify(Kind.REMOVED, e.member);
    }

    private static void cancelRemoval(Entry e) {
        if (e.removal != null) {
            e.removal.cancel(false);
            e.removal = null;
        }
    }

    private void publish() {
        List<Member> list = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            list.add(e.member);
        }
        list.sort(Comparator.comparing(Member::replicaId).thenComparing(Member::gossipAddress));
        others = List.copyOf(list);
    }

    private enum Kind { ALIVE, SUSPECT, DEAD, LEFT, REMOVED }

    private void notify(Kind kind, Member member) {
        try {
            switch (kind) {
                case ALIVE -> listener.onAlive(member);
                case SUSPECT -> listener.onSuspect(member);
                case DEAD -> listener.onDead(member);
                case LEFT -> listener.onLeft(member);
                case REMOVED -> listener.onRemoved(member);
                default -> throw new IllegalStateException();
            }
        } catch (RuntimeException e) {
            LOG.warn("membership listener failed on {} of {}", kind, member, e);
        }
    }
}
