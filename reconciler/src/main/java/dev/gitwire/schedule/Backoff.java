package dev.gitwire.schedule;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Retry as a value: a first wait that doubles up to a last, each spread by up to {@code jitter} of itself either way,
 * so that the agents of a cluster that failed together (an API server restarting, a Git host back) do not all come
 * back in the same second. One implementation for every retry of the agent, as the Java Operator SDK keeps its retry
 * policy apart from what is retried.
 */
public record Backoff(Duration first, Duration last, double jitter) {

    public Backoff {
        if (first.isNegative() || first.isZero() || last.compareTo(first) < 0) {
            throw new IllegalArgumentException("a backoff waits more than nothing, and its last wait is not below its"
                    + " first: " + first + ", " + last);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter is a part of the wait, 0 up to 1: " + jitter);
        }
    }

    /** The same doubling without jitter: for waits that only this process is in (a local check). */
    public static Backoff doubling(Duration first, Duration last) {
        return new Backoff(first, last, 0);
    }

    /** The wait before retry {@code attempt} (0 for the first), spread by {@code random}. */
    public Duration delay(int attempt, RandomGenerator random) {
        long base = first.toMillis();
        for (int i = 0; i < attempt && base < last.toMillis(); i++) {
            base *= 2;
        }
        base = Math.min(base, last.toMillis());
        long spread = (long) (base * jitter);
        return Duration.ofMillis(spread == 0 ? base : base - spread + random.nextLong(2 * spread + 1));
    }

    /** Counts the retries of one thing: {@link Retries#next()} after each failure, {@link Retries#reset()} after success. */
    public Retries retries(RandomGenerator random) {
        return new Retries(this, random);
    }

    /** The attempts of one thing over a backoff. Not thread-safe: each is used by the one thread that retries. */
    public static final class Retries {

        private final Backoff backoff;
        private final RandomGenerator random;
        private int attempt;

        private Retries(Backoff backoff, RandomGenerator random) {
            this.backoff = backoff;
            this.random = random;
        }

        /** The wait before the next retry; the one after waits longer, up to the last. */
        public Duration next() {
            Duration delay = backoff.delay(attempt, random);
            if (attempt < 62) { // past 2^62 the doubling has long reached the last wait
                attempt++;
            }
            return delay;
        }

        /** A success: the next failure waits the first wait again. */
        public void reset() {
            attempt = 0;
        }
    }
}
