package dev.starling.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads the kernel's TCP tables (Linux) to see which connections really exist, and in what state. */
final class TcpTable {

    static final String ESTABLISHED = "01";
    static final String LISTEN = "0A";
    /** States in which at least one application has not yet closed its socket of a closing connection. */
    private static final Set<String> CLOSING = Set.of("04", "08", "09", "0B"); // FIN_WAIT1, CLOSE_WAIT, LAST_ACK, CLOSING
    /** 127.0.0.1 as the tables print it: IPv4, and IPv4-mapped IPv6 (both in host byte order per word). */
    private static final Set<String> LOOPBACK = Set.of("0100007F", "0000000000000000FFFF00000100007F");

    /** One socket: its local and remote port and its state (hex, as in the table). */
    record Socket(int localPort, int remotePort, String state) {
    }

    private TcpTable() {
    }

    static boolean available() {
        return Files.isReadable(Path.of("/proc/net/tcp"));
    }

    /** Sockets on 127.0.0.1 (but listeners) with a local or remote port among {@code ports}. */
    static List<Socket> sockets(Set<Integer> ports) {
        List<Socket> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String local = f[1];
                String remote = f[2];
                int localPort = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                int remotePort = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                boolean ours = ports.contains(localPort) || ports.contains(remotePort);
                if (ours && !f[3].equals(LISTEN) && LOOPBACK.contains(local.substring(0, local.indexOf(':')))) {
                    out.add(new Socket(localPort, remotePort, f[3]));
                }
            }
        }
        return out;
    }

    /** Established connections accepted on one of {@code ports} (one socket per connection). */
    static long establishedAcceptedOn(Set<Integer> ports) {
        return sockets(ports).stream().filter(s -> s.state().equals(ESTABLISHED) && ports.contains(s.localPort())).count();
    }

    /** Exactly one connection among {@code ports}, and every other one closed by both applications. */
    static boolean settledOnOneConnection(Set<Integer> ports) {
        List<Socket> all = sockets(ports);
        return all.stream().filter(s -> s.state().equals(ESTABLISHED)).count() == 2
            && all.stream().noneMatch(s -> CLOSING.contains(s.state()));
    }
}
