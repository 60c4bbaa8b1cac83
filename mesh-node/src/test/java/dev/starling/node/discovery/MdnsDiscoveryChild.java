package dev.starling.node.discovery;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A child process of {@link MdnsDiscoveryIT}: one node's discovery on 127.0.0.1, run inside the
 * test's network namespace. Arguments: {@code nodeName cluster replicaHex gossipPort dataPort}.
 *
 * <p>Prints, one line each: {@code ready <instance name> <ms to start>}; {@code peer <name>
 * <cluster> <replica> <gossip> <data host:port>} per reported peer; {@code counters <seen>
 * <reported> <malformed> <other cluster>} whenever they change; {@code closed <ms to close>} at the
 * end. Reads commands from stdin: {@code requery} (acknowledged by a line {@code requery} printed
 * before the re-query starts), and {@code close} (or end of input), which
 * closes the discovery and exits 0.
 */
final class MdnsDiscoveryChild {

    private static final PrintStream OUT = new PrintStream(System.out, true, UTF_8);
    private static final long COUNTER_POLL_NS = TimeUnit.MILLISECONDS.toNanos(20);

    private MdnsDiscoveryChild() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        MdnsConfig config = MdnsConfig.builder()
                .bindAddress(loopback)
                .nodeName(args[0])
                .cluster(args[1])
                .replicaId(args[2])
                .gossip(new InetSocketAddress(loopback, Integer.parseInt(args[3])))
                .data(new InetSocketAddress(loopback, Integer.parseInt(args[4])))
                .requeryInterval(Duration.ofSeconds(30))
                .closeTimeout(Duration.ofSeconds(5))
                .build();
        long startNs = System.nanoTime();
        MdnsDiscovery discovery = MdnsDiscovery.start(config, peer -> print("peer " + peer.name() + ' ' + peer.cluster()
                + ' ' + peer.replicaId() + ' ' + peer.gossip() + ' ' + peer.data().getHostString() + ':' + peer.data().getPort()));
        print("ready " + config.instanceName() + ' ' + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));

        Thread counters = new Thread(() -> {
            MdnsCounters last = null;
            while (!Thread.currentThread().isInterrupted()) {
                MdnsCounters now = discovery.counters();
                if (!now.equals(last)) {
                    print("counters " + now.announcementsSeen() + ' ' + now.peersReported() + ' '
                            + now.malformedIgnored() + ' ' + now.otherClusterIgnored());
                    last = now;
                }
                LockSupport.parkNanos(COUNTER_POLL_NS);
            }
        }, "counters");
        counters.setDaemon(true);
        counters.start();

        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, UTF_8));
        for (String line = stdin.readLine(); line != null && !line.equals("close"); line = stdin.readLine()) {
            if (line.equals("requery")) {
                print("requery");
                discovery.requery();
            }
        }
        counters.interrupt();
        long closeNs = System.nanoTime();
        discovery.close();
        print("closed " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeNs));
        System.exit(0);
    }

    private static synchronized void print(String line) {
        OUT.println(line);
    }
}
