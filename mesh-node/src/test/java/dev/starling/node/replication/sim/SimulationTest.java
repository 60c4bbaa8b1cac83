package dev.starling.node.replication.sim;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

/**
 * The replication simulator under jqwik: random seeds, replica counts (3 to 7) and fault rates; every
 * run must converge after the final heal with no committed write lost. A failure prints the command
 * that replays it. {@code -Dsim.long=true} runs the long mode (more tries, 100k steps each).
 */
class SimulationTest {

    private static final boolean LONG = Boolean.getBoolean("sim.long");

    @Property(tries = 10, edgeCases = EdgeCasesMode.NONE)
    void shouldConvergeWithNoCommittedWriteLost(@ForAll long seed, @ForAll @IntRange(min = 3, max = 7) int replicas,
            @ForAll @DoubleRange(min = 0, max = 0.3) @Scale(3) double loss, @ForAll @DoubleRange(min = 0, max = 0.1) @Scale(3) double dup,
            @ForAll @IntRange(min = 1, max = 50) int maxDelayMs,
            @ForAll @DoubleRange(min = 0, max = 0.03) @Scale(4) double faults) {
        int steps = LONG ? 100_000 : 20_000;
        int runs = LONG ? 10 : 1;
        for (int i = 0; i < runs; i++) {
            Simulation.Params p = new Simulation.Params(seed + i, replicas, steps, loss, dup, maxDelayMs, faults, faults / 4);
            Simulation.Result r = new Simulation(p).run();
            assertThat(r.writes()).isPositive();
            SimReport.add(p, r);
        }
    }

    /** Replays one run from the {@code sim.*} properties printed by a failure. */
    @Test
    void replay() {
        String seed = System.getProperty("sim.seed");
        if (seed == null) {
            return;
        }
        Simulation.Params p = new Simulation.Params(Long.parseLong(seed), Integer.getInteger("sim.replicas", 5),
            Integer.getInteger("sim.steps", 20_000), Double.parseDouble(System.getProperty("sim.loss", "0.1")),
            Double.parseDouble(System.getProperty("sim.dup", "0.05")), Long.getLong("sim.delay", 20),
            Double.parseDouble(System.getProperty("sim.faults", "0.01")),
            Double.parseDouble(System.getProperty("sim.midStepCrash", "0.0025")));
        Simulation.Result r = new Simulation(p).run();
        System.out.println("replayed " + p + ": " + r);
    }

    @Test
    void shouldReplayASeedExactly() {
        Simulation.Params p = new Simulation.Params(7, 4, 4_000, 0.1, 0.05, 30, 0.02, 0.005);
        Simulation.Result a = new Simulation(p).run();
        Simulation.Result b = new Simulation(p).run();
        assertThat(b).usingRecursiveComparison().ignoringFields("elapsedNs").isEqualTo(a);
    }

    @Test
    void shouldConvergeOnAFixedHeavyFaultSchedule() {
        Simulation.Params p = new Simulation.Params(42, 5, 20_000, 0.2, 0.1, 40, 0.02, 0.005);
        Simulation.Result r = new Simulation(p).run();
        SimReport.add(p, r);
        assertThat(r.crashes()).isPositive();
        assertThat(r.partitions()).isPositive();
        System.out.printf("simulator: %d steps (+%d settling) in %.2f s = %.0f steps/s; %d writes, %d acks met, %d not met,"
            + " %d lost in mid-step crashes, %d AE bytes%n", r.steps(), r.settleSteps(), r.elapsedNs() / 1e9,
            r.stepsPerSecond(), r.writes(), r.acksMet(), r.acksNotMet(), r.writesLostInCrash(), r.aeBytes());
    }
}
