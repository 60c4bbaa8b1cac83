package dev.starling.daemon;

import dev.starling.node.Node;
import dev.starling.node.membership.Member;
import dev.starling.node.membership.MemberStatus;
import dev.starling.node.replication.ReplicatorStats;
import io.micrometer.core.instrument.FunctionCounter;
import dev.starling.crdt.ReplicaId;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The node's Prometheus metrics (GET /metrics). Replication counters come from the snapshot the
 * replica agent publishes ({@link Node#replicationStats()}), membership from SWIM's member list,
 * so a scrape never touches the replicator.
 */
final class NodeMetrics {

    /** Histogram buckets of request latency: 0.25 ms to 10 s (writes with acks wait for peers). */
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(0).plusNanos(250_000), Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(10)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Node node;
    private final MultiGauge lag;
    private final MultiGauge bytesSent;
    private final MultiGauge bytesReceived;
    private final MultiGauge queueDepth;
    private final MultiGauge dropped;
    private final MultiGauge documents;
    private final MultiGauge indexed;

    NodeMetrics(Node node) {
        this.node = node;
        this.lag = MultiGauge.builder("starling.replication.lag")
            .description("Per peer: time since the oldest local write it has not acknowledged (0 = up to date)")
            .baseUnit("seconds")
            .register(registry);
        this.bytesSent = MultiGauge.builder("starling.dataplane.sent")
            .description("Per peer: bytes written to its data-plane connections (frames, envelopes, payloads), since start")
            .baseUnit("bytes").register(registry);
        this.bytesReceived = MultiGauge.builder("starling.dataplane.received")
            .description("Per peer: bytes read from its data-plane connections, since start")
            .baseUnit("bytes").register(registry);
        this.queueDepth = MultiGauge.builder("starling.dataplane.queue.depth")
            .description("Per peer: messages waiting in its outbound queue")
            .register(registry);
        this.dropped = MultiGauge.builder("starling.dataplane.dropped")
            .description("Per peer: messages dropped because its outbound queue was full (it was behind), since start")
            .register(registry);
        this.documents = MultiGauge.builder("starling.collection.documents")
            .description("Per collection: live documents in this replica")
            .register(registry);
        this.indexed = MultiGauge.builder("starling.collection.indexed")
            .description("Per collection: documents in this node's vector index (equal to documents once caught up)")
            .register(registry);
        for (MemberStatus s : MemberStatus.values()) {
            Gauge.builder("starling.members", node, n -> countMembers(n, s))
                .description("Members as this node sees them, itself included, by state")
                .tag("state", s.apiName())
                .register(registry);
        }
        Gauge.builder("starling.objects", node, Node::digestEntries)
            .description("Entries of the replicated state (map keys count one each)")
            .register(registry);
        Gauge.builder("starling.store.size", node, NodeMetrics::storeSize)
            .description("Bytes of the LMDB environment in use")
            .baseUnit("bytes")
            .register(registry);
        counter("starling.deltas.sent", "Delta records sent (pushes, resends, relays)", ReplicatorStats::deltasSent);
        counter("starling.deltas.received", "Delta records received", ReplicatorStats::deltasReceived);
        counter("starling.delta.resends", "Resend batches started", ReplicatorStats::resends);
        counter("starling.antientropy.rounds", "Anti-entropy rounds started by this node", ReplicatorStats::aeRounds);
        counter("starling.antientropy.bytes", "Payload bytes of anti-entropy messages sent and received",
            s -> s.aeBytesSent() + s.aeBytesReceived());
        counter("starling.antientropy.entries", "Entry states sent and received by anti-entropy",
            s -> s.aeEntriesSent() + s.aeEntriesReceived());
        counter("starling.refused.clock", "Records refused because their HLC was beyond the drift bound",
            ReplicatorStats::refusedClock);
        counter("starling.malformed.messages", "Messages that failed to decode or check", ReplicatorStats::malformed);
        FunctionCounter.builder("starling.writes", node, n -> stat(n, ReplicatorStats::writesMet))
            .description("Local writes by outcome of their ack level").tag("result", "confirmed").register(registry);
        FunctionCounter.builder("starling.writes", node, n -> stat(n, ReplicatorStats::writesNotMet))
            .description("Local writes by outcome of their ack level").tag("result", "not_confirmed").register(registry);
    }

    private void counter(String name, String description, ToLongFunction<ReplicatorStats> f) {
        FunctionCounter.builder(name, node, n -> stat(n, f)).description(description).register(registry);
    }

    private static double stat(Node n, ToLongFunction<ReplicatorStats> f) {
        ReplicatorStats s = n.replicationStats();
        return s == null ? 0 : f.applyAsLong(s);
    }

    private static double countMembers(Node n, MemberStatus status) {
        if (n.isClosed()) {
            return 0;
        }
        int count = 0;
        for (Member m : n.members()) {
            if (m.status() == status) {
                count++;
            }
        }
        return count;
    }

    private static double storeSize(Node n) {
        try {
            return n.isClosed() ? 0 : n.storeSizeBytes();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Records one HTTP request (the {@code starling_http_request_seconds} histogram). */
    void record(String route, String method, int status, long nanos) {
        Timer.builder("starling.http.request")
            .description("HTTP API requests by route, method and status")
            .tags("route", route, "method", method, "status", Integer.toString(status))
            .serviceLevelObjectives(BUCKETS)
            .register(registry)
            .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Prometheus text exposition. */
    String scrape() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        if (!node.isClosed()) {
            for (Map.Entry<ReplicaId, Long> e : node.replicationLagMs().entrySet()) {
                rows.add(MultiGauge.Row.of(Tags.of("peer", e.getKey().toString()), e.getValue() / 1000.0));
            }
        }
        lag.register(rows, true);
        List<MultiGauge.Row<?>> docs = new ArrayList<>();
        List<MultiGauge.Row<?>> inIndex = new ArrayList<>();
        if (!node.isClosed()) {
            for (String c : node.collections()) {
                dev.starling.node.CollectionHandle h = node.collection(c);
                docs.add(MultiGauge.Row.of(Tags.of("collection", c), h.size()));
                inIndex.add(MultiGauge.Row.of(Tags.of("collection", c), h.indexed()));
            }
        }
        documents.register(docs, true);
        indexed.register(inIndex, true);
        List<MultiGauge.Row<?>> sent = new ArrayList<>();
        List<MultiGauge.Row<?>> received = new ArrayList<>();
        List<MultiGauge.Row<?>> depth = new ArrayList<>();
        List<MultiGauge.Row<?>> drops = new ArrayList<>();
        if (!node.isClosed()) {
            for (Member m : node.members()) {
                if (m.replicaId().equals(node.replicaId())) {
                    continue;
                }
                dev.starling.transport.PeerStats ps = node.peerStats(m.replicaId());
                if (ps != null) {
                    Tags peer = Tags.of("peer", m.replicaId().toString());
                    sent.add(MultiGauge.Row.of(peer, ps.bytesOut()));
                    received.add(MultiGauge.Row.of(peer, ps.bytesIn()));
                    depth.add(MultiGauge.Row.of(peer, ps.queueDepth()));
                    drops.add(MultiGauge.Row.of(peer, ps.drops()));
                }
            }
        }
        bytesSent.register(sent, true);
        bytesReceived.register(received, true);
        queueDepth.register(depth, true);
        dropped.register(drops, true);
        return registry.scrape();
    }
}
