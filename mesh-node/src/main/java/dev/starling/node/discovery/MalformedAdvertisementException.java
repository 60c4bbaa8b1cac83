package dev.starling.node.discovery;

/**
 * An announcement that is not a valid Starling advertisement. Thrown by the parsers of this
 * package and caught by {@link AnnouncementHandler}, which counts it and drops the announcement:
 * it never reaches membership. The message names the fault only, never the raw bytes.
 */
final class MalformedAdvertisementException extends Exception {

    private static final long serialVersionUID = 1L;

    MalformedAdvertisementException(String reason) {
        super(reason, null, false, false);
    }
}
