package dev.starling.daemon;

/** The node could not start for a reason the operator can read in one line (exit code 1). */
final class StartupException extends RuntimeException {

    StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
