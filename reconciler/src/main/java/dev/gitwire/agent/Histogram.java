package dev.gitwire.agent;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** A Prometheus histogram of durations in seconds: cumulative buckets, sum and count, safe across threads. */
final class Histogram {

    private final String name;
    private final String help;
    private final double[] bounds;
    private final AtomicLongArray buckets;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong millisSum = new AtomicLong();

    Histogram(String name, String help, double... bounds) {
        this.name = name;
        this.help = help;
        this.bounds = bounds.clone();
        this.buckets = new AtomicLongArray(bounds.length);
    }

    void observe(Duration duration) {
        double seconds = duration.toMillis() / 1000.0;
        for (int i = 0; i < bounds.length; i++) {
            if (seconds <= bounds[i]) {
                buckets.incrementAndGet(i);
            }
        }
        count.incrementAndGet();
        millisSum.addAndGet(duration.toMillis());
    }

    void render(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        for (int i = 0; i < bounds.length; i++) {
            out.append(name).append("_bucket{le=\"").append(bounds[i]).append("\"} ").append(buckets.get(i)).append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.get()).append('\n');
        out.append(name).append("_sum ").append(millisSum.get() / 1000.0).append('\n');
        out.append(name).append("_count ").append(count.get()).append('\n');
    }
}
