package dev.starling.node.plane;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.MessageHandler;
import dev.starling.transport.SendResult;
import dev.starling.transport.Transport;
import java.net.InetSocketAddress;
import java.util.Objects;

/** The data plane as the transport gives it. */
public final class TransportDataPlane implements DataPlane {

    private final Transport transport;

    public TransportDataPlane(Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    public Transport transport() {
        return transport;
    }

    @Override
    public ReplicaId self() {
        return transport.config().replica();
    }

    @Override
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    @Override
    public void connect(ReplicaId peer, InetSocketAddress address) {
        transport.connect(peer, address);
    }

    @Override
    public void forget(ReplicaId peer) {
        transport.forget(peer);
    }

    @Override
    public SendResult send(ReplicaId peer, int type, byte[] payload) {
        return transport.send(peer, type, payload);
    }

    @Override
    public int poll(MessageHandler handler, int limit) {
        return transport.poll(handler, limit);
    }

    @Override
    public void close() {
        transport.close();
    }
}
