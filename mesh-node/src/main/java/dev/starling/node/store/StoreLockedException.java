package dev.starling.node.store;

/**
 * The data directory is already open, in this process or another one. Only one {@link Store} may
 * own a directory at a time; the lock goes away when its owner closes the store or dies.
 */
public final class StoreLockedException extends StoreException {

    private static final long serialVersionUID = 1L;

    public StoreLockedException(String message) {
        super(message);
    }

    public StoreLockedException(String message, Throwable cause) {
        super(message, cause);
    }
}
