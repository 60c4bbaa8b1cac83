package dev.starling.daemon;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code starling chaos}: the Jepsen-style harness; its issue has not landed yet. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = "Run a chaos scenario against a local mesh and write a report (not available yet).")
final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--scenario", paramLabel = "NAME", description = "The scenario to run.")
    String scenario;

    @Option(names = "--seconds", paramLabel = "S", description = "How long to run.")
    Integer seconds;

    @Option(names = "--seed", paramLabel = "N", description = "The seed of the schedule, to replay a run.")
    Long seed;

    @Option(names = "--report", paramLabel = "DIR", description = "Where to write the report.")
    Path report;

    @Override
    public Integer call() {
        System.err.println("starling: chaos is not available yet");
        return 2;
    }
}
