package dev.starling.daemon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT run {@code action} (which lets the main thread stop the node and return 0)
 * instead of the JVM's default, which would run the shutdown hooks and exit with 143 or 130.
 */
final class Shutdown {

    private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);

    private Shutdown() {
    }

    @SuppressWarnings("sunapi")
    static void onSignals(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    LOG.info("SIG{} received", name);
                    action.run();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                LOG.warn("cannot handle SIG{} here ({}); the shutdown hook will stop the node", name, e.toString());
            }
        }
    }
}
