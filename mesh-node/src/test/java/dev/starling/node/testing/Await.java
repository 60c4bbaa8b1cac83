package dev.starling.node.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, polling every 10 ms; tests never sleep a fixed time. */
public final class Await {

    private static final long POLL_NS = 10_000_000L;

    private Await() {
    }

    /** Returns once {@code condition} holds; fails after {@code timeout}, naming {@code what}. */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        until(timeout, () -> what, condition);
    }

    /** As {@link #until(Duration, String, BooleanSupplier)}, describing the state on failure. */
    public static void until(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout + ": " + what.get());
            }
            LockSupport.parkNanos(POLL_NS);
        }
    }

    /**
     * Checks that {@code condition} holds throughout {@code period} (a negative check: "nothing
     * happens for this long"); fails at the first moment it does not.
     */
    public static void during(Duration period, Supplier<String> what, BooleanSupplier condition) {
        long end = System.nanoTime() + period.toNanos();
        do {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("stopped holding: " + what.get());
            }
            LockSupport.parkNanos(POLL_NS);
        } while (System.nanoTime() - end < 0);
    }
}
