package dev.starling.node.replication.sim;

/** Sums the simulation runs of one JVM and prints the running total of simulated steps per second. */
final class SimReport {

    private static long steps;
    private static long nanos;
    private static int runs;

    private SimReport() {
    }

    static synchronized void add(Simulation.Params p, Simulation.Result r) {
        runs++;
        steps += r.steps() + r.settleSteps();
        nanos += r.elapsedNs();
        System.out.printf("simulator: %d replicas, %d+%d steps, %.0f steps/s (%d writes, %d crashes, %d partitions);"
            + " total %d runs, %d steps, %.0f steps/s; seed %d loss %.3f dup %.3f delay %d faults %.4f%n", p.replicas(),
            r.steps(), r.settleSteps(), r.stepsPerSecond(), r.writes(), r.crashes(), r.partitions(), runs, steps,
            steps / (nanos / 1e9), p.seed(), p.loss(), p.duplication(), p.maxDelayMs(), p.faultRate());
    }
}
