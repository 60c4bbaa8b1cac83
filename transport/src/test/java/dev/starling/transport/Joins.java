package dev.starling.transport;

/** Joins threads a test started, from close methods that may not throw checked exceptions. */
final class Joins {

    private Joins() {
    }

    /** Waits up to 5 s for {@code t} to end; fails if it does not (a leaked thread). */
    static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (t.isAlive()) {
            throw new AssertionError("thread " + t.getName() + " still running");
        }
    }
}
