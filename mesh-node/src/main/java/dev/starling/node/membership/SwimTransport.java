package dev.starling.node.membership;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.fault.Faults;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.Transport;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The decorator around scalecube's TCP transport that every SWIM message passes through.
 * <ul>
 *   <li>Inbound: drops what the codec refused ({@link SwimMessageCodec#REJECTED}); learns which
 *       replica answers at the sender's address (the replica comes from the signed frame); drops
 *       messages the {@link Faults} block from that replica; shows the message to the
 *       {@link WireObserver}; then hands it to scalecube. One subscription to the inner transport
 *       does this once per message, whatever the number of scalecube's subscribers.</li>
 *   <li>Outbound: shows the message to the observer, then asks the faults (partition, random loss,
 *       delay) with the replica remembered at the target address; a dropped message completes as if
 *       sent, as a lost packet would. An address not yet tied to a replica is not blocked.</li>
 *   <li>{@link #requestResponse} is implemented here, over this transport's own send and listen,
 *       so requests and their responses pass the same checks (the inner transport's version would
 *       bypass them).</li>
 * </ul>
 */
final class SwimTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(SwimTransport.class);
    private static final Sinks.EmitFailureHandler RETRY = Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(3));

    /** Sees every message that passes, in both directions (before faults outbound, after them inbound). */
    interface WireObserver {
        void outbound(String address, Message message);

        void inbound(ReplicaId from, Message message);
    }

    private final Transport inner;
    private final ReplicaId self;
    private final Faults faults;
    private final AddressBook book;
    private final WireObserver observer;
    private final SwimCounters counters;
    private final Sinks.Many<Message> sink = Sinks.many().multicast().directBestEffort();
    private volatile Disposable upstream = Disposables.disposed();

    SwimTransport(Transport inner, ReplicaId self, Faults faults, AddressBook book, WireObserver observer,
                  SwimCounters counters) {
        this.inner = Objects.requireNonNull(inner);
        this.self = Objects.requireNonNull(self);
        this.faults = faults;
        this.book = Objects.requireNonNull(book);
        this.observer = Objects.requireNonNull(observer);
        this.counters = Objects.requireNonNull(counters);
    }

    @Override
    public String address() {
        return inner.address();
    }

    @Override
    public Mono<Transport> start() {
        return inner.start()
            .doOnNext(t -> upstream = inner.listen().subscribe(this::onInbound,
                e -> LOG.warn("SWIM transport {} failed: {}", inner.address(), e.toString()),
                () -> sink.emitComplete(RETRY)))
            .thenReturn(this);
    }

    @Override
    public Mono<Void> stop() {
        return inner.stop().doFinally(s -> {
            upstream.dispose();
            sink.emitComplete(RETRY);
        });
    }

    @Override
    public boolean isStopped() {
        return inner.isStopped();
    }

    @Override
    public Mono<Void> send(String address, Message message) {
        return Mono.defer(() -> {
            observer.outbound(address, message);
            if (faults != null) {
                ReplicaId to = book.replicaOf(address);
                if (to != null && faults.blocked(self, to)) {
                    counters.byFaults.increment();
                    return Mono.empty();
                }
                if (faults.dropRandom()) {
                    counters.byFaults.increment();
                    return Mono.empty();
                }
                long delayMs = faults.delayMs();
                if (delayMs > 0) {
                    return Mono.delay(Duration.ofMillis(delayMs)).then(inner.send(address, message));
                }
            }
            return inner.send(address, message);
        });
    }

    @Override
    public Mono<Message> requestResponse(String address, Message request) {
        String correlationId = Objects.requireNonNull(request.correlationId(), "request needs a correlation id");
        return Mono.create(result -> {
            Disposable response = listen()
                .filter(m -> correlationId.equals(m.correlationId()))
                .next()
                .subscribe(result::success, result::error, result::success);
            Disposable sent = send(address, request).subscribe(null, e -> {
                response.dispose();
                result.error(e);
            });
            result.onDispose(Disposables.composite(sent, response));
        });
    }

    @Override
    public Flux<Message> listen() {
        return sink.asFlux().onBackpressureBuffer();
    }

    private void onInbound(Message message) {
        if (message == SwimMessageCodec.REJECTED) {
            return;
        }
        String replicaHex = message.header(SwimProtoCodec.REPLICA_HEADER);
        if (replicaHex == null) {
            return; // every accepted frame carries one; anything else did not come through our codec
        }
        ReplicaId from = ReplicaId.parse(replicaHex);
        String sender = message.sender();
        if (sender != null && !from.equals(self)) {
            book.learn(sender, from);
        }
        if (faults != null && faults.blocked(from, self)) {
            counters.byFaults.increment();
            return;
        }
        observer.inbound(from, message);
        sink.emitNext(message, RETRY);
    }
}
