package dev.starling.node.membership;

/** A SWIM frame that is refused before anything in it is decoded. */
final class SwimFrameException extends Exception {

    enum Reason {
        /** Not a Starling signed frame: wrong magic or version, too short or too long. */
        UNSIGNED,
        /** The HMAC does not match: another secret or cluster name, or the bytes were changed. */
        BAD_SIGNATURE
    }

    private final Reason reason;

    SwimFrameException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }
}
