package dev.starling.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listening plain socket on 127.0.0.1 that runs {@code behaviour} for every accepted connection
 * on its own thread. {@link #close} closes the listener and every accepted socket and joins the
 * threads.
 */
final class RawServer implements AutoCloseable {

    /** What to do with one accepted connection; returning leaves the socket open until close. */
    @FunctionalInterface
    interface Behaviour {
        void run(RawPeer peer) throws Exception;
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final List<RawPeer> accepted = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    RawServer(Behaviour behaviour) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        this.behaviour = behaviour;
        this.acceptor = new Thread(this::acceptLoop, "raw-server-accept");
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections accepted so far. */
    int connections() {
        return connections.get();
    }

    /** Exceptions thrown by the behaviour while the server was open. */
    List<Throwable> failures() {
        return failures;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            RawPeer peer;
            try {
                peer = new RawPeer(s);
            } catch (IOException e) {
                closeQuietly(s);
                continue;
            }
            accepted.add(peer);
            connections.incrementAndGet();
            Thread t = new Thread(() -> {
                try {
                    behaviour.run(peer);
                } catch (Throwable e) {
                    if (!server.isClosed()) {
                        failures.add(e);
                    }
                }
            }, "raw-server-conn");
            threads.add(t);
            t.start();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        Joins.join(acceptor); // after this nothing is added to accepted
        accepted.forEach(RawPeer::abort);
        threads.forEach(Joins::join);
    }
}
