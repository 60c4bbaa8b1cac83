package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import dev.starling.transport.proto.v1.FrameProto;
import dev.starling.transport.proto.v1.ServerHelloProto;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer on a plain {@link Socket} that speaks the wire protocol by hand: it can follow the
 * protocol, bend it, or break it. Blocking I/O with timeouts; used from one thread at a time
 * (except {@link #close}, which may be called from any thread to unblock it).
 */
final class RawPeer implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawPeer connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(address, 5_000);
            return new RawPeer(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    Socket socket() {
        return socket;
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void writeFrame(FrameProto frame) throws IOException {
        write(Frames.frame(frame));
    }

    /** Reads one frame; fails if none arrives within {@code timeout}. */
    FrameProto readFrame(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return FrameProto.parseFrom(body);
    }

    /**
     * Reads until the other side closes the connection and returns the frames that arrived
     * meanwhile (typically a Goodbye); fails if the connection is still open after {@code timeout}.
     */
    List<FrameProto> awaitClosed(Duration timeout) throws IOException {
        List<FrameProto> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("connection still open after " + timeout.toMillis() + " ms; got " + frames);
            }
            socket.setSoTimeout((int) left);
            try {
                int length = in.readInt();
                byte[] body = new byte[length];
                in.readFully(body);
                frames.add(FrameProto.parseFrom(body));
            } catch (EOFException | SocketException e) {
                return frames; // closed (FIN or reset)
            } catch (SocketTimeoutException e) {
                // loop: the deadline check reports it
            }
        }
    }

    /** The Goodbye reason among {@code frames}, or null. */
    static String goodbyeReason(List<FrameProto> frames) {
        for (FrameProto f : frames) {
            if (f.getKindCase() == FrameProto.KindCase.GOODBYE) {
                return f.getGoodbye().getReason();
            }
        }
        return null;
    }

    /**
     * The client side of the handshake done right with {@code secret}: ClientHello, check the
     * server's proof, ClientProof. Returns the server's hello.
     */
    ServerHelloProto handshakeAsClient(byte[] secret, ReplicaId me, String cluster) throws IOException {
        HandshakeAuth auth = new HandshakeAuth(secret, new SecureRandom());
        byte[] nonce = auth.newNonce();
        writeFrame(Frames.clientHello(me, cluster, nonce));
        FrameProto reply = readFrame(Duration.ofSeconds(5));
        if (reply.getKindCase() != FrameProto.KindCase.SERVER_HELLO) {
            throw new AssertionError("expected ServerHello, got " + reply);
        }
        ServerHelloProto hello = reply.getServerHello();
        ReplicaId server = new ReplicaId(hello.getReplica());
        byte[] serverNonce = hello.getNonce().toByteArray();
        byte[] expected = auth.serverProof(hello.getVersion(), cluster, me, server, nonce, serverNonce);
        if (!HandshakeAuth.matches(expected, hello.getProof().toByteArray())) {
            throw new AssertionError("server proof does not verify");
        }
        writeFrame(Frames.clientProof(auth.clientProof(hello.getVersion(), cluster, me, server, nonce, serverNonce)));
        return hello;
    }

    /** The server side of the handshake done right with {@code secret}; returns the client's id. */
    ReplicaId handshakeAsServer(byte[] secret, ReplicaId me, String cluster) throws IOException {
        HandshakeAuth auth = new HandshakeAuth(secret, new SecureRandom());
        FrameProto first = readFrame(Duration.ofSeconds(5));
        if (first.getKindCase() != FrameProto.KindCase.CLIENT_HELLO) {
            throw new AssertionError("expected ClientHello, got " + first);
        }
        ReplicaId client = new ReplicaId(first.getClientHello().getReplica());
        byte[] clientNonce = first.getClientHello().getNonce().toByteArray();
        byte[] nonce = auth.newNonce();
        int version = TransportConfig.MAX_PROTOCOL_VERSION;
        writeFrame(Frames.serverHello(version, me, cluster, nonce,
            auth.serverProof(version, cluster, client, me, clientNonce, nonce)));
        FrameProto proof = readFrame(Duration.ofSeconds(5));
        byte[] expected = auth.clientProof(version, cluster, client, me, clientNonce, nonce);
        if (proof.getKindCase() != FrameProto.KindCase.CLIENT_PROOF
            || !HandshakeAuth.matches(expected, proof.getClientProof().getProof().toByteArray())) {
            throw new AssertionError("bad client proof: " + proof);
        }
        return client;
    }

    /** Closes the socket now, from any thread (unblocks a thread reading or writing it). */
    void abort() {
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
