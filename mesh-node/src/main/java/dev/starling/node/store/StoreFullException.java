package dev.starling.node.store;

/**
 * A commit needed more room than {@link StoreConfig#maxMapSizeBytes()} allows. The batch was not
 * applied (nothing of it is stored) and the store stays open and consistent; raise the maximum,
 * trim or delete, and retry.
 */
public final class StoreFullException extends StoreException {

    private static final long serialVersionUID = 1L;

    public StoreFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
