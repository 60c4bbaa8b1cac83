package dev.starling.crdt.codec;

/**
 * Encodes one kind of state (or delta) to deterministic bytes and back. Decoding validates
 * everything and fails only with {@link CrdtDecodeException}.
 *
 * @param <T> state type
 */
public interface StateCodec<T> {

    byte[] encode(T state);

    T decode(byte[] bytes) throws CrdtDecodeException;
}
