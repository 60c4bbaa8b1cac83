package dev.starling.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LagTrackerTest {

    @Test
    void shouldMeasureFromTheFirstSampleAboveTheAck() {
        LagTracker t = new LagTracker();
        assertThat(t.lagMs(0, 0, 1_000)).isZero();
        t.sample(0, 1_000);
        t.sample(5, 2_000);
        t.sample(5, 3_000);
        t.sample(9, 4_000);
        assertThat(t.lagMs(9, 9, 10_000)).as("up to date").isZero();
        assertThat(t.lagMs(5, 9, 10_000)).as("missing 6, which existed at 4 s").isEqualTo(6_000);
        assertThat(t.lagMs(0, 9, 10_000)).as("missing 1, which existed at 2 s").isEqualTo(8_000);
    }

    @Test
    void shouldKeepTheLastSamplesOnly() {
        LagTracker t = new LagTracker();
        for (int i = 1; i <= LagTracker.CAPACITY + 10; i++) {
            t.sample(i, i * 1_000L);
        }
        long last = LagTracker.CAPACITY + 10;
        assertThat(t.lagMs(0, last, last * 1_000)).as("the oldest sample left is seq 11")
            .isEqualTo((last - 11) * 1_000);
    }
}
