package dev.starling.daemon;

import dev.starling.index.encoder.EncoderConfig;
import dev.starling.index.encoder.ModelFiles;
import dev.starling.index.encoder.OnnxTextEncoder;
import dev.starling.index.encoder.TextEncoder;
import dev.starling.node.NodeConfig;
import dev.starling.node.fault.Faults;
import dev.starling.node.store.SyncPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code starling node}: one node in the foreground, logs on stderr, one ready line on stdout once
 * it listens. SIGTERM (or Ctrl-C) leaves the cluster, flushes the store and exits 0.
 */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run one node (foreground; logs to stderr; prints one ready line to stdout).",
    footer = {"", "Every option can also be set in the YAML file of --config (key = the option's name "
        + "without the dashes, e.g. `data-dir: /var/lib/starling`, `seed: [10.0.0.2:7946]`); flags win."})
final class NodeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file with any of these options.")
    Path config;

    @Option(names = "--name", paramLabel = "NAME", description = "Label shown in members (default: host name).")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "starling-data",
        description = "Durable state; created if missing (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--cluster", paramLabel = "NAME", defaultValue = "starling",
        description = "Only nodes with the same cluster name join each other (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--secret-file", paramLabel = "FILE",
        description = "Cluster secret (at least 16 bytes); peers must prove they know it.")
    Path secretFile;

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "127.0.0.1",
        description = "Address for gossip and data plane (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--gossip-port", paramLabel = "P", defaultValue = "7946",
        description = "SWIM membership port (default: ${DEFAULT-VALUE}; 0 = pick one).")
    int gossipPort;

    @Option(names = "--data-port", paramLabel = "P", defaultValue = "7947",
        description = "Data-plane port (default: ${DEFAULT-VALUE}; 0 = pick one).")
    int dataPort;

    @Option(names = "--http-bind", paramLabel = "HOST", defaultValue = "127.0.0.1",
        description = "HTTP API address (default: ${DEFAULT-VALUE}).")
    String httpBind;

    @Option(names = "--http-port", paramLabel = "P", defaultValue = "7080",
        description = "HTTP API port (default: ${DEFAULT-VALUE}; 0 = pick one).")
    int httpPort;

    @Option(names = "--seed", paramLabel = "HOST:PORT", split = ",",
        description = "A peer's gossip address; repeatable (or comma-separated).")
    List<String> seeds = new ArrayList<>();

    @Option(names = "--mdns", description = "Advertise and discover peers on the LAN with mDNS.")
    boolean mdns;

    @Option(names = "--sync", paramLabel = "always|interval|none", defaultValue = "interval",
        description = "When writes reach the disk (default: ${DEFAULT-VALUE}).")
    String sync;

    @Option(names = "--api-token-file", paramLabel = "FILE",
        description = "Require `Authorization: Bearer <token>` on the HTTP API (all but /v1/health and /metrics).")
    Path apiTokenFile;

    @Option(names = "--tls-cert", paramLabel = "FILE",
        description = "Data-plane TLS: this node's certificate chain (PEM). Needs --tls-key and --tls-ca.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
        description = "Data-plane TLS: the certificate's private key (unencrypted PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE",
        description = "Data-plane TLS: the cluster CA certificate(s) (PEM) that peers' certificates must chain to.")
    Path tlsCa;

    @Option(names = "--tls-mutual",
        description = "Data-plane TLS: also require a client certificate from the cluster CA (mutual TLS).")
    boolean tlsMutual;

    @Option(names = "--model", paramLabel = "DIR",
        description = "Encoder model dir (model.onnx + tokenizer.json); default: the built-in model.")
    Path model;

    @Option(names = "--no-encoder", description = "Run without an encoder (vectors must then be given, not text).")
    boolean noEncoder;

    @Option(names = "--enable-fault-injection",
        description = "Expose /v1/admin/faults (for chaos runs only; off by default).")
    boolean faultInjection;

    @Option(names = "--insecure",
        description = "Allow a non-loopback --bind without --secret-file (any host that reaches the ports can join).")
    boolean insecure;

    @Option(names = "--profile", paramLabel = "lan|local", defaultValue = "lan",
        description = "Timings: lan (default) or local (nodes on one machine: an order faster).")
    String profile;

    @Override
    public Integer call() throws Exception {
        NodeConfig.Builder b = NodeConfig.builder();
        if (name != null) {
            b.name(name);
        }
        byte[] secret;
        if (secretFile != null) {
            secret = Secrets.read(secretFile, "secret", NodeConfig.MIN_SECRET_BYTES);
        } else {
            boolean loopback = isLoopback(bind);
            if (!loopback && !insecure) {
                throw new UsageException("refusing to bind gossip/data to " + bind + " without --secret-file "
                    + "(any host that reaches it could join); give --secret-file FILE, or --insecure to accept that");
            }
            secret = Secrets.developmentSecret(cluster);
            LOG.warn("no --secret-file: using the fixed development secret of cluster \"{}\", which protects nothing{}",
                cluster, loopback ? " (fine on loopback)" : " (--insecure)");
        }
        byte[] token = apiTokenFile == null ? null : Secrets.read(apiTokenFile, "API token", 1);
        if (token == null && !isLoopback(httpBind)) {
            LOG.warn("the HTTP API listens on {} without --api-token-file: anyone who reaches it can read and write",
                httpBind);
        }
        if (model != null && noEncoder) {
            throw new UsageException("--model and --no-encoder exclude each other");
        }
        if ((tlsCert != null || tlsKey != null || tlsCa != null || tlsMutual)
                && (tlsCert == null || tlsKey == null || tlsCa == null)) {
            throw new UsageException("data-plane TLS needs all of --tls-cert, --tls-key and --tls-ca");
        }
        NodeConfig config;
        try {
            if (tlsCert != null) {
                b.tls(dev.starling.transport.TlsConfig.fromPem(tlsCert, tlsKey, tlsCa, tlsMutual));
            }
            config = b.dataDir(dataDir)
                .mdns(mdns)
                .cluster(cluster)
                .secret(secret)
                .bindHost(bind)
                .gossipPort(gossipPort)
                .dataPort(dataPort)
                .seeds(seeds)
                .sync(syncPolicy(sync))
                .profile(profile(profile))
                .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new UsageException("--http-port out of range: " + httpPort);
        }
        Faults faults = faultInjection ? new Faults(new SecureRandom().nextLong()) : null;
        if (faults != null) {
            LOG.warn("fault injection is enabled: POST /v1/admin/faults can cut this node off");
        }

        TextEncoder encoder = openEncoder();
        if (encoder != null) {
            config = b.encoder(encoder).build(); // the settings were checked above
        }

        CountDownLatch stop = new CountDownLatch(1);
        Shutdown.onSignals(stop::countDown);
        RunningNode running = RunningNode.start(config, httpBind, httpPort, token, faults);
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "starling-shutdown"));
        System.out.println(running.readyLine());
        System.out.flush();
        stop.await();
        LOG.info("stopping: leaving the cluster and flushing the store");
        running.close();
        LOG.info("stopped");
        return 0;
    }

    /**
     * The encoder of {@code --model DIR}, else the built-in one, or null with {@code --no-encoder}.
     * One intra-op thread: the HTTP API encodes on a few threads of its own.
     *
     * @throws StartupException if the model cannot be read or loaded
     */
    private TextEncoder openEncoder() {
        if (noEncoder) {
            LOG.info("no encoder (--no-encoder): collections take vectors only; text upserts and searches are a 400");
            return null;
        }
        TextEncoder encoder;
        try {
            encoder = model == null ? OnnxTextEncoder.builtin(EncoderConfig.defaults())
                : OnnxTextEncoder.open(ModelFiles.fromDirectory(model), EncoderConfig.defaults());
        } catch (IOException | RuntimeException e) {
            String what = model == null ? "the built-in encoder model" : "the encoder model in " + model;
            throw new StartupException("cannot load " + what + ": " + e.getMessage(), e);
        }
        LOG.info("encoder model {} ({} dimensions{})", encoder.modelId(), encoder.dimensions(),
            model == null ? ", built in" : ", from " + model);
        return encoder;
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new UsageException("unknown host: " + host);
        }
    }

    static SyncPolicy syncPolicy(String s) {
        try {
            return SyncPolicy.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--sync must be always, interval or none: " + s);
        }
    }

    static NodeConfig.Profile profile(String s) {
        try {
            return NodeConfig.Profile.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--profile must be lan or local: " + s);
        }
    }
}
