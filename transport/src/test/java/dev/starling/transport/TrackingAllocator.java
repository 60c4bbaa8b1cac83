package dev.starling.transport;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * An unpooled heap allocator that sees every backing array its buffers allocate or free, including
 * when a buffer grows in place: the largest single array and the peak of live bytes tell whether
 * a handler ever reserved memory it was merely told about (a length prefix) rather than given.
 * For one thread (an EmbeddedChannel's).
 */
final class TrackingAllocator extends AbstractByteBufAllocator {

    private long live;
    private long peakLive;
    private long largest;

    TrackingAllocator() {
        super(false);
    }

    long largestArray() {
        return largest;
    }

    long peakLiveBytes() {
        return peakLive;
    }

    long liveBytes() {
        return live;
    }

    void resetPeaks() {
        peakLive = live;
        largest = 0;
    }

    private void allocated(int n) {
        live += n;
        peakLive = Math.max(peakLive, live);
        largest = Math.max(largest, n);
    }

    private void freed(int n) {
        live -= n;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new Tracked(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private static final class Tracked extends UnpooledHeapByteBuf {
        Tracked(TrackingAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

        @Override
        protected byte[] allocateArray(int initialCapacity) {
            ((TrackingAllocator) alloc()).allocated(initialCapacity);
            return super.allocateArray(initialCapacity);
        }

        @Override
        protected void freeArray(byte[] array) {
            ((TrackingAllocator) alloc()).freed(array.length);
            super.freeArray(array);
        }
    }
}
