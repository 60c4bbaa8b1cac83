package dev.starling.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 for one connection at a time that forwards both ways and records every
 * byte the client sent to the server: what an eavesdropper on the LAN would capture.
 */
final class RecordingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final ByteArrayOutputStream clientBytes = new ByteArrayOutputStream();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    RecordingProxy(InetSocketAddress upstream) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        this.upstream = upstream;
        this.acceptor = new Thread(this::acceptLoop, "proxy-accept");
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Everything the client has sent so far. */
    byte[] recordedFromClient() {
        synchronized (clientBytes) {
            return clientBytes.toByteArray();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Socket up = new Socket();
                sockets.add(up);
                up.connect(upstream, 5_000);
                client.setTcpNoDelay(true);
                up.setTcpNoDelay(true);
                pump(client, up, true);
                pump(up, client, false);
            } catch (IOException e) {
                // closed, or the upstream refused: drop this connection
            }
        }
    }

    private void pump(Socket from, Socket to, boolean record) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (record) {
                        synchronized (clientBytes) {
                            clientBytes.write(buf, 0, n);
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump");
        threads.add(t);
        t.start();
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
        Joins.join(acceptor);
        sockets.forEach(RecordingProxy::closeQuietly);
        threads.forEach(Joins::join);
    }
}
