package dev.starling.node.store;

import java.util.Arrays;
import java.util.Comparator;
import jnr.ffi.Pointer;
import jnr.ffi.provider.MemoryManager;
import org.lmdbjava.BufferProxy;
import org.lmdbjava.ByteArrayProxy;

/**
 * lmdbjava's {@code byte[]} proxy ({@link ByteArrayProxy#PROXY_BA}) without its native allocation per
 * key and value. {@code PROXY_BA} copies every key and value it passes to LMDB into memory from jnr's
 * {@code allocateDirect}, which jnr frees through a finalizer thread of its own: on the mesh
 * throughput bench that thread alone cost 1.2 µs per update, besides the allocations
 * (docs/benchmarks.md). This proxy copies them into native scratch buffers of the calling thread
 * instead, reused from call to call; what LMDB hands out is still copied into a new {@code byte[]},
 * as with {@code PROXY_BA}, so nothing the store returns points into the map. Like {@code PROXY_BA}
 * it needs no {@code --add-opens}: no {@code Unsafe}, no JDK internals, only jnr's memory I/O.
 *
 * <p>Why reuse is safe: LMDB reads a key or value passed in only during the call it is passed to
 * (a put copies it into a page; a get or a cursor positioning compares with it; where LMDB hands the
 * key passed in back, lmdbjava copies it out before the call returns). A lmdbjava operation passes
 * at most two buffers in (key and value) before its call, and each buffer passed in takes the next
 * of {@link #SLOTS} scratch buffers of its thread in turn, so a buffer is never reused while a call
 * can still read it. Buffers over {@link #MAX_SCRATCH_BYTES} get memory of their own, as with
 * {@code PROXY_BA}, so one huge value does not pin a huge scratch buffer to a thread.
 */
final class ScratchByteArrayProxy extends BufferProxy<byte[]> {

    static final ScratchByteArrayProxy PROXY = new ScratchByteArrayProxy();

    private static final int SLOTS = 4;
    private static final int MIN_SCRATCH_BYTES = 256;
    static final int MAX_SCRATCH_BYTES = 1 << 20;
    private static final MemoryManager MEMORY = jnr.ffi.Runtime.getSystemRuntime().getMemoryManager();
    private static final Comparator<byte[]> SIGNED = ByteArrayProxy::compareArraysSigned;
    private static final Comparator<byte[]> UNSIGNED = ByteArrayProxy::compareArrays;

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    private ScratchByteArrayProxy() {
    }

    /** The scratch buffers of one thread, used in turn. */
    private static final class Scratch {
        final Pointer[] slots = new Pointer[SLOTS];
        final int[] capacities = new int[SLOTS];
        int next;

        Pointer take(int bytes) {
            int i = next;
            next = (i + 1) % SLOTS;
            if (capacities[i] < bytes) {
                int capacity = Math.max(MIN_SCRATCH_BYTES, Integer.highestOneBit(Math.max(1, bytes - 1)) << 1);
                slots[i] = MEMORY.allocateDirect(capacity);
                capacities[i] = capacity;
            }
            return slots[i];
        }
    }

    @Override
    protected byte[] allocate() {
        return new byte[0];
    }

    @Override
    protected void deallocate(byte[] buffer) {
        // nothing to free: the arrays are the heap's
    }

    @Override
    protected byte[] getBytes(byte[] buffer) {
        return Arrays.copyOf(buffer, buffer.length);
    }

    @Override
    protected Comparator<byte[]> getSignedComparator() {
        return SIGNED;
    }

    @Override
    protected Comparator<byte[]> getUnsignedComparator() {
        return UNSIGNED;
    }

    @Override
    protected Pointer in(byte[] buffer, Pointer ptr) {
        int length = buffer.length;
        Pointer memory = length <= MAX_SCRATCH_BYTES ? scratch.get().take(length) : MEMORY.allocateDirect(length);
        memory.put(0, buffer, 0, length);
        ptr.putLong(STRUCT_FIELD_OFFSET_SIZE, length);
        ptr.putAddress(STRUCT_FIELD_OFFSET_DATA, memory.address());
        // returned so that the caller keeps it reachable until the call is done
        return memory;
    }

    @Override
    protected Pointer in(byte[] buffer, int size, Pointer ptr) {
        // MDB_RESERVE puts: not used by the store (nor supported by PROXY_BA)
        return null;
    }

    @Override
    protected byte[] out(byte[] buffer, Pointer ptr) {
        long address = ptr.getAddress(STRUCT_FIELD_OFFSET_DATA);
        int length = (int) ptr.getLong(STRUCT_FIELD_OFFSET_SIZE);
        byte[] out = new byte[length];
        MEMORY.newPointer(address, length).get(0, out, 0, length);
        return out;
    }
}
