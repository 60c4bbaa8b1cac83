package dev.starling.bench.node;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.starling.node.MapHandle;
import dev.starling.node.Node;
import dev.starling.node.NodeConfig;
import dev.starling.node.Value;
import dev.starling.node.ValueType;
import dev.starling.node.store.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The embedded read path of a control loop: {@code get} on a map handle of a running node (10,000
 * keys), on the benchmark thread while the node's agent runs. Goal: ≤ 50 ns and 0 bytes allocated
 * per read ({@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class MapReadBenchmark {

    private static final int KEYS = 10_000;

    private Node node;
    private MapHandle map;
    private String[] keys;
    private int i;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("mapread");
        node = Node.start(NodeConfig.builder().name("bench").dataDir(dir).cluster("bench")
            .secret("map-read-benchmark-secret-0123456789".getBytes(UTF_8)).bindHost("127.0.0.1")
            .gossipPort(0).dataPort(0).sync(SyncPolicy.NONE).profile(NodeConfig.Profile.LOCAL).build());
        map = node.map("config");
        keys = new String[KEYS];
        for (int k = 0; k < KEYS; k++) {
            keys[k] = "param-" + k;
            map.put(keys[k], Value.wrap(ValueType.FLOAT64.encode(k * 0.5))).get(10, TimeUnit.SECONDS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        node.close();
    }

    @Benchmark
    public Value get() {
        String key = keys[i++ & 8191];
        return map.get(key);
    }

    @Benchmark
    public Double getDecoded() {
        String key = keys[i++ & 8191];
        return map.get(key, ValueType.FLOAT64);
    }
}
