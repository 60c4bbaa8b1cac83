package dev.starling.node;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline; never a fixed sleep. */
final class Await {

    private Await() {
    }

    static void until(BooleanSupplier condition, Duration timeout) {
        until(condition, timeout, () -> "condition");
    }

    /** Polls {@code condition} until it holds; fails with {@code what} after {@code timeout}. */
    static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int spins = 0;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
            }
            // Re-check soon: spin briefly, then yield the core for a fraction of a millisecond.
            if (++spins < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(200_000);
            }
        }
    }
}
