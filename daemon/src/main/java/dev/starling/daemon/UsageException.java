package dev.starling.daemon;

/** A setting the node refuses to start with: one line on stderr, exit code 2. */
final class UsageException extends RuntimeException {

    UsageException(String message) {
        super(message, null, false, false);
    }
}
