package dev.starling.transport;

import dev.starling.crdt.ReplicaId;

/**
 * Receives messages of the inline types on the Netty event loop thread that decoded them, instead
 * of through the inbound queue and {@link Transport#poll} (opt-in, see
 * {@link TransportConfig.Builder#inlineHandler}). It saves the two thread hand-offs of the polled
 * path, and a reply sent from here with {@code transport.send(sender, ...)} is already on the event
 * loop: it needs no wake-up and leaves when the frame's messages have all been handled.
 *
 * <p>Contract:
 * <ul>
 *   <li>It must not block and should be short: while it runs, the event loop reads, writes and
 *       times out nothing else, for every connection it serves. Hand longer work to a thread of
 *       your own. Never call {@link Transport#close} from it.
 *   <li>It is called concurrently, from the event loop threads of different connections, so it
 *       must be thread-safe. The calls for one connection are sequential, in the order the peer
 *       sent the messages. Only while a duplicate connection is being replaced (both sides
 *       connected at the same moment) may the calls for one peer briefly come from two threads.
 *   <li>Order is kept per peer among the inline types; a polled type and an inline type from the
 *       same peer may be seen in either order.
 *   <li>The payload array belongs to the handler.
 *   <li>An exception thrown from it is counted ({@link TransportStats#inlineHandlerFailures}) and
 *       logged (the first per connection at WARN, later ones at DEBUG); the message counts as
 *       delivered and the connection goes on with the next message. An {@link Error} closes the
 *       connection, as any unexpected error on it does.
 * </ul>
 */
@FunctionalInterface
public interface InlineHandler {

    /**
     * @param transport the transport that received the message, to reply through
     *     ({@code transport.send(sender, type, reply)})
     */
    void onMessage(Transport transport, ReplicaId sender, int type, byte[] payload);
}
