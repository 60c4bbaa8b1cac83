package dev.starling.node.store;

/** A store operation failed; the message says which and why. Unchecked, like LMDB's own errors. */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
