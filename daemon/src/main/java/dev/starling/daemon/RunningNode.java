package dev.starling.daemon;

import dev.starling.daemon.http.Api;
import dev.starling.daemon.http.HttpServer;
import dev.starling.index.encoder.TextEncoder;
import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.fault.Faults;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node with its HTTP API and metrics, as {@code node} and {@code demo} run it. */
final class RunningNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunningNode.class);
    static final int HTTP_THREADS = 2;
    /** Threads that encode text and search collections: half the cores, 1..4 (the model uses one core each). */
    static final int ENCODING_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    /** Encodings and searches waiting for a thread at most; more are a 503. */
    static final int ENCODING_QUEUE = 256;

    final Node node;
    final HttpServer http;
    private final ExecutorService blocking;
    private final ExecutorService encoding;
    private final boolean ownsEncoder;
    private boolean closed;

    private RunningNode(Node node, HttpServer http, ExecutorService blocking, ExecutorService encoding,
                        boolean ownsEncoder) {
        this.node = node;
        this.http = http;
        this.blocking = blocking;
        this.encoding = encoding;
        this.ownsEncoder = ownsEncoder;
    }

    /**
     * Starts the node, then its HTTP API on {@code httpHost:httpPort}. The encoder of {@code config},
     * if any, becomes the running node's: it is closed after the node (also when starting fails).
     *
     * @param token  the API's bearer token, or null for none
     * @param faults the node's faults when fault injection is enabled (exposed at /v1/admin/faults),
     *               else null
     */
    static RunningNode start(NodeConfig config, String httpHost, int httpPort, byte[] token, Faults faults)
            throws InterruptedException {
        return start(config, httpHost, httpPort, token, faults, true);
    }

    /**
     * As above; with {@code ownsEncoder} false the encoder stays open (it is shared, as by the demo's
     * nodes, and its owner closes it).
     */
    static RunningNode start(NodeConfig config, String httpHost, int httpPort, byte[] token, Faults faults,
                             boolean ownsEncoder) throws InterruptedException {
        Node node;
        try {
            node = Node.start(config, faults);
        } catch (RuntimeException | Error e) {
            if (ownsEncoder) {
                closeEncoder(config);
            }
            throw e;
        }
        ExecutorService blocking = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "starling-http-blocking-" + config.name());
            t.setDaemon(true);
            return t;
        });
        AtomicInteger encodingThreads = new AtomicInteger();
        ExecutorService encoding = new ThreadPoolExecutor(ENCODING_THREADS, ENCODING_THREADS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(ENCODING_QUEUE), r -> {
                Thread t = new Thread(r, "starling-encoding-" + config.name() + "-"
                    + encodingThreads.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.AbortPolicy());
        try {
            NodeMetrics metrics = new NodeMetrics(node);
            Api api = new Api(node, faults, metrics::scrape, blocking, encoding);
            HttpServer http;
            try {
                http = HttpServer.start(httpHost, httpPort, api, token, HttpServer.DEFAULT_MAX_BODY_BYTES,
                    HTTP_THREADS, metrics::record);
            } catch (Exception e) {
                if (e instanceof InterruptedException ie) {
                    throw ie;
                }
                throw new StartupException("cannot listen for HTTP on " + httpHost + ":" + httpPort + ": "
                    + e.getMessage(), e);
            }
            return new RunningNode(node, http, blocking, encoding, ownsEncoder);
        } catch (InterruptedException | RuntimeException e) {
            blocking.shutdownNow();
            encoding.shutdownNow();
            node.close();
            if (ownsEncoder) {
                closeEncoder(config);
            }
            throw e;
        }
    }

    private static void closeEncoder(NodeConfig config) {
        TextEncoder encoder = config.encoder();
        if (encoder != null) {
            try {
                encoder.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the encoder failed", e);
            }
        }
    }

    InetSocketAddress httpAddress() {
        return http.localAddress();
    }

    /** {@code starling node <name> replica=<id> gossip=<host:port> data=<host:port> http=<host:port> ready} */
    String readyLine() {
        return "starling node " + node.name() + " replica=" + node.replicaId()
            + " gossip=" + Api.hostPort(node.gossipAddress())
            + " data=" + Api.hostPort(node.dataAddress())
            + " http=" + Api.hostPort(httpAddress()) + " ready";
    }

    /** Stops the API, then leaves the cluster and flushes the store, then closes the encoder. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            http.close();
        } catch (RuntimeException e) {
            LOG.warn("closing the HTTP server failed", e);
        }
        blocking.shutdown();
        encoding.shutdown();
        boolean encodingDone = false;
        try {
            blocking.awaitTermination(2, TimeUnit.SECONDS);
            encodingDone = encoding.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        node.close();
        if (!ownsEncoder) {
            return;
        }
        if (encodingDone) {
            closeEncoder(node.config());
        } else {
            LOG.warn("an encoding still runs after 2 s: the encoder is left open (its memory goes with the process)");
        }
    }
}
