package dev.starling.node.membership;

import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.Transport;
import io.scalecube.cluster.transport.api.TransportConfig;
import io.scalecube.cluster.transport.api.TransportFactory;
import io.scalecube.transport.netty.Receiver;
import io.scalecube.transport.netty.Sender;
import io.scalecube.transport.netty.TransportImpl;
import io.scalecube.transport.netty.TransportImpl.ReceiverContext;
import io.scalecube.transport.netty.TransportImpl.SenderContext;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Builds the SWIM transport: scalecube's {@link TransportImpl} (connection cache, codec calls,
 * message stream) over a receiver that binds the configured host (scalecube's own TCP receiver
 * binds every interface) and a plain TCP sender, both framing with a 4-byte length and refusing
 * frames over {@code maxFrameLength}; wrapped in {@link SwimTransport}.
 */
final class SwimTransportFactory implements TransportFactory {

    private static final int LENGTH_BYTES = 4;

    private final String bindHost;
    private final Function<Transport, SwimTransport> decorate;
    private volatile SwimTransport created;

    SwimTransportFactory(String bindHost, Function<Transport, SwimTransport> decorate) {
        this.bindHost = bindHost;
        this.decorate = decorate;
    }

    @Override
    public Transport createTransport(TransportConfig config) {
        TransportImpl inner = new TransportImpl(config.messageCodec(), new BoundReceiver(bindHost, config),
            new FramedSender(config), Function.identity());
        SwimTransport t = decorate.apply(inner);
        created = t;
        return t;
    }

    /** The transport made by the last {@link #createTransport}, or null. */
    SwimTransport created() {
        return created;
    }

    private static void addFraming(ChannelPipeline pipeline, int maxFrameLength) {
        pipeline.addFirst(new LengthFieldBasedFrameDecoder(maxFrameLength, 0, LENGTH_BYTES, 0, LENGTH_BYTES));
        pipeline.addFirst(new LengthFieldPrepender(LENGTH_BYTES));
    }

    /** Listens on {@code host:config.port()}; hands each frame to scalecube's receiver context. */
    static final class BoundReceiver implements Receiver {
        private final String host;
        private final TransportConfig config;

        BoundReceiver(String host, TransportConfig config) {
            this.host = host;
            this.config = config;
        }

        @Override
        public Mono<DisposableServer> bind() {
            return Mono.deferContextual(context -> {
                ReceiverContext receiver = context.get(ReceiverContext.class);
                return TcpServer.create()
                    .runOn(receiver.loopResources())
                    .host(host)
                    .port(config.port())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .doOnChannelInit((observer, channel, remote) -> addFraming(channel.pipeline(), config.maxFrameLength()))
                    .handle((in, out) -> in.receive().retain().doOnNext(receiver::onMessage).then())
                    .bind();
            });
        }
    }

    /** Dials peers and writes each message as one frame. */
    static final class FramedSender implements Sender {
        private final TransportConfig config;

        FramedSender(TransportConfig config) {
            this.config = config;
        }

        @Override
        public Mono<Connection> connect(String address) {
            return Mono.deferContextual(context -> {
                SenderContext sender = context.get(SenderContext.class);
                return TcpClient.newConnection()
                    .runOn(sender.loopResources())
                    .host(Transport.parseHost(address))
                    .port(Transport.parsePort(address))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeout())
                    .doOnChannelInit((observer, channel, remote) -> addFraming(channel.pipeline(), config.maxFrameLength()))
                    .connect();
            });
        }

        @Override
        public Mono<Void> send(Message message) {
            return Mono.deferContextual(context -> {
                Connection connection = context.get(Connection.class);
                SenderContext sender = context.get(SenderContext.class);
                return connection.outbound()
                    .sendObject(Mono.just(message).map(sender.messageEncoder()), frame -> true)
                    .then();
            });
        }
    }
}
