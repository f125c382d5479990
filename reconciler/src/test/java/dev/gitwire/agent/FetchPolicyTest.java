package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** With an elected writer, an agent's poll no longer fetches the intent by itself (issue 17, point 3). */
class FetchPolicyTest {

    private static final Optional<String> HELD = Optional.of("main@sha1:" + "ab".repeat(20));
    private static final Optional<String> NEWER = Optional.of("main@sha1:" + "cd".repeat(20));
    private final FetchPolicy policy = new FetchPolicy(Duration.ofMinutes(10));

    @Test
    void aFollowerFetchesOnlyWhenTheWriterAnnouncesAnotherRevisionOrNoneOrItsFallbackIsDue() {
        assertThat(policy.fetch(false, HELD, HELD, Duration.ofMinutes(9))).isFalse();
        assertThat(policy.fetch(false, NEWER, HELD, Duration.ofSeconds(1))).isTrue();
        assertThat(policy.fetch(false, Optional.empty(), HELD, Duration.ofSeconds(1))).isTrue(); // no writer yet
        assertThat(policy.fetch(false, HELD, HELD, Duration.ofMinutes(10))).isTrue();
        assertThat(policy.fetch(true, HELD, HELD, Duration.ofSeconds(1))).isTrue(); // the writer fetches for all
    }

    @Test
    void fallbacksSpreadOverAFifthEitherSide() {
        Random random = new Random(17);
        for (int i = 0; i < 1000; i++) {
            Duration fallback = FetchPolicy.jittered(FetchPolicy.FALLBACK, random).fallback();
            assertThat(fallback).isBetween(Duration.ofMinutes(8), Duration.ofMinutes(12));
        }
    }
}
