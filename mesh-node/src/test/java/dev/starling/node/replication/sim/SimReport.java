package dev.starling.node.replication.sim;

/** Sums the runs of one JVM and prints the simulated steps per second at exit. */
final class SimReport {

    private static long steps;
    private static long nanos;
    private static int runs;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (runs > 0) {
                System.out.printf("simulator total: %d runs, %d steps in %.2f s = %.0f steps/s%n", runs, steps, nanos / 1e9,
                    steps / (nanos / 1e9));
            }
        }));
    }

    private SimReport() {
    }

    static synchronized void add(Simulation.Result r) {
        runs++;
        steps += r.steps() + r.settleSteps();
        nanos += r.elapsedNs();
    }
}
