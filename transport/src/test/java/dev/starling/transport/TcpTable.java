package dev.starling.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Reads the kernel's TCP tables (Linux) to count connections that are really established. */
final class TcpTable {

    private static final String ESTABLISHED = "01";
    /** 127.0.0.1 as the tables print it: IPv4, and IPv4-mapped IPv6 (both in host byte order per word). */
    private static final Set<String> LOOPBACK = Set.of("0100007F", "0000000000000000FFFF00000100007F");

    private TcpTable() {
    }

    static boolean available() {
        return Files.isReadable(Path.of("/proc/net/tcp"));
    }

    /** Established sockets whose local port is one of {@code ports} (IPv4 and IPv6 tables). */
    static int establishedOnLocalPorts(Set<Integer> ports) {
        int n = 0;
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
                String ip = local.substring(0, local.indexOf(':'));
                int port = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                if (f[3].equals(ESTABLISHED) && LOOPBACK.contains(ip) && ports.contains(port)) {
                    n++;
                }
            }
        }
        return n;
    }
}
