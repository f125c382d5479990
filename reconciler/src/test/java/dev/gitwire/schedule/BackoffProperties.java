package dev.gitwire.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The one backoff: doubling from the first wait to the last, each wait within its jitter, never past the last. */
class BackoffProperties {

    @Property
    void everyWaitIsTheDoubledWaitWithinItsJitterAndNeverPastTheLast(@ForAll @LongRange(min = 1, max = 10_000) long first,
            @ForAll @IntRange(min = 1, max = 1_000) int factor, @ForAll @DoubleRange(min = 0, max = 0.5) double jitter,
            @ForAll @IntRange(min = 0, max = 100) int attempt, @ForAll long seed) {
        Backoff backoff = new Backoff(Duration.ofMillis(first), Duration.ofMillis(first * factor), jitter);
        long base = Math.min(first * factor, first * (1L << Math.min(attempt, 40)));

        long wait = backoff.delay(attempt, new Random(seed)).toMillis();

        assertThat(wait).isBetween(base - (long) (base * jitter), base + (long) (base * jitter));
        assertThat(wait).isLessThanOrEqualTo(first * factor + (long) (first * factor * jitter));
    }

    @Test
    void retriesDoubleUpToTheLastAndStartOverAfterASuccess() {
        Backoff.Retries retries = Backoff.doubling(Duration.ofSeconds(1), Duration.ofSeconds(5)).retries(new Random(1));

        assertThat(Stream.generate(retries::next).limit(5).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 5L, 5L);
        retries.reset();
        assertThat(retries.next()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void agentsThatFailedTogetherDoNotRetryTogether() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
        Random random = new Random(7);
        long distinct = IntStream.range(0, 100).mapToObj(i -> backoff.delay(3, random)).distinct().count();
        assertThat(distinct).as("100 agents' fourth retry, in ms").isGreaterThan(50);
    }

    @Test
    void aBackoffThatCannotWaitIsRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 50)
    void aHugeAttemptNumberDoesNotOverflow(@ForAll @IntRange(min = 60, max = Integer.MAX_VALUE) int attempt) {
        assertThat(Backoff.doubling(Duration.ofMillis(1), Duration.ofHours(1)).delay(attempt, new Random(0)))
                .isEqualTo(Duration.ofHours(1));
    }
}
