package dev.starling.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/** Memory measurements that do not depend on timing: allocation counters and pool usage. */
final class Memory {

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Memory() {
    }

    /** Heap bytes each live thread has allocated since it started. */
    static Map<Long, Long> allocatedPerThread() {
        long[] ids = THREADS.getAllThreadIds();
        long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        Map<Long, Long> out = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                out.put(ids[i], bytes[i]);
            }
        }
        return out;
    }

    /** Heap bytes allocated by all threads (but the caller) since {@code before}. */
    static long allocatedSince(Map<Long, Long> before) {
        long self = Thread.currentThread().getId();
        long sum = 0;
        for (Map.Entry<Long, Long> e : allocatedPerThread().entrySet()) {
            if (e.getKey() != self) {
                sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
        }
        return sum;
    }

    /** Direct memory in use: Netty's counter when it tracks it, else the default pool's. */
    static long usedDirect() {
        long tracked = PlatformDependent.usedDirectMemory();
        if (tracked >= 0) {
            return tracked;
        }
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    /** Heap in use after a full collection. */
    static long usedHeapAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
