package dev.gitwire.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.ObjectName;

/**
 * The live objects on the heap, by class, as `jcmd GC.class_histogram` counts them (after a full GC):
 * exact where the heap's "used" figure after System.gc() is not, and it says what holds the bytes.
 */
record LiveHeap(Map<String, Long> bytesByClass) {

    static LiveHeap take() throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, Long> bytes = new HashMap<>();
        for (String line : histogram.lines().toList()) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 4 && columns[0].endsWith(":")) { // "num: instances bytes class (module)"
                bytes.merge(columns[3], Long.parseLong(columns[2]), Long::sum);
            }
        }
        return new LiveHeap(Map.copyOf(bytes));
    }

    long total() {
        return bytesByClass.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The classes whose bytes grew most from {@code before} to this one, largest first. */
    String largestGrowthSince(LiveHeap before, int count) {
        return bytesByClass.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.bytesByClass.getOrDefault(e.getKey(), 0L)))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(count)
                .map(e -> String.format("  %,12d B  %s", e.getValue(), e.getKey()))
                .collect(Collectors.joining("\n"));
    }
}
