package dev.starling.node.plane;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.MessageHandler;
import dev.starling.transport.SendResult;
import java.net.InetSocketAddress;

/**
 * The node's view of the data plane: the {@link dev.starling.transport.Transport} itself
 * ({@link TransportDataPlane}) or a decorator around it, such as {@link FaultyDataPlane} for
 * partitions and loss in tests and chaos runs. All methods but {@link #poll} may be called from any
 * thread; {@code poll} from the replica agent only.
 */
public interface DataPlane extends AutoCloseable {

    ReplicaId self();

    InetSocketAddress localAddress();

    /** Keeps a connection to {@code peer} at {@code address} (reconnecting as needed). */
    void connect(ReplicaId peer, InetSocketAddress address);

    /** Closes and forgets the connection to {@code peer}. */
    void forget(ReplicaId peer);

    SendResult send(ReplicaId peer, int type, byte[] payload);

    /** Hands up to {@code limit} received messages to {@code handler}; returns how many. */
    int poll(MessageHandler handler, int limit);

    /** The time of the next held-back message a decorator will release, or {@code Long.MAX_VALUE}. */
    default long nextReleaseNs() {
        return Long.MAX_VALUE;
    }

    @Override
    void close();
}
