package dev.starling.node.membership;

/** A correctly signed payload that is not a SWIM message this node knows. */
final class SwimDecodeException extends Exception {

    SwimDecodeException(String message) {
        super(message, null, false, false);
    }

    SwimDecodeException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
