package dev.gitwire.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/** Peak heap over a measured section: the sum of the heap pools' peaks since {@link #reset()}. */
final class HeapPeak {

    private HeapPeak() {}

    static void reset() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    static long megabytes() {
        long bytes = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
        return bytes / (1024 * 1024);
    }
}
