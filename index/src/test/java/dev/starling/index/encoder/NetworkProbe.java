package dev.starling.index.encoder;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Permission;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Child-JVM main of {@link NoDownloadIT}: records every network connection the JVM attempts (a
 * security manager's {@code checkConnect} sees sockets, URL connections and name lookups), loads the
 * built-in encoder with an empty DJL cache, embeds a sentence, and prints what was attempted. Then,
 * as a control, it opens a socket itself, to show that the recorder does see connections.
 */
public final class NetworkProbe {

    private NetworkProbe() {
    }

    @SuppressWarnings("removal")
    public static void main(String[] args) throws Exception {
        List<String> attempts = new CopyOnWriteArrayList<>();
        System.setSecurityManager(new SecurityManager() {
            @Override
            public void checkConnect(String host, int port) {
                attempts.add(host + ":" + port);
            }

            @Override
            public void checkConnect(String host, int port, Object context) {
                attempts.add(host + ":" + port);
            }

            @Override
            public void checkPermission(Permission perm) {
            }

            @Override
            public void checkPermission(Permission perm, Object context) {
            }
        });
        try (OnnxTextEncoder encoder = OnnxTextEncoder.builtin(EncoderConfig.defaults())) {
            System.out.println("DIMS " + encoder.embed("no network needed").length);
        }
        System.out.println("ATTEMPTS " + attempts);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 9), 200);
        } catch (Exception expected) {
            // port 9 (discard) is closed here; the attempt is what counts
        }
        System.out.println("CONTROL " + attempts);
    }
}
