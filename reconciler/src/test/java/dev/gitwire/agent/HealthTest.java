package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** `/healthz` and `/readyz` tell the truth (issue 15): a stuck reconcile, a stale intent, a failed reconcile. */
class HealthTest {

    private final MovingClock clock = new MovingClock();
    private final Health health = new Health(clock, Duration.ofMinutes(3));

    @Test
    void readyOnlyWhenConvergedOnAnIntentReadWithinTheBound() {
        assertThat(health.readiness().status()).isEqualTo(503);
        assertThat(health.readiness().body()).contains("no intent read yet");

        health.intentRead();
        health.converged(false, "the last reconcile failed: nft: refused");
        assertThat(health.readiness().body()).contains("nft: refused");

        health.converged(true, "");
        assertThat(health.readiness().status()).isEqualTo(200);

        clock.advance(Duration.ofMinutes(4)); // every Git read fails meanwhile
        assertThat(health.readiness().status()).isEqualTo(503);
        assertThat(health.readiness().body()).contains("the intent was last read 240 s ago");
        health.intentRead();
        assertThat(health.readiness().status()).isEqualTo(200);
    }

    @Test
    void aReconcileThatNeverEndsMakesTheAgentUnhealthySoThatItIsRestarted() {
        health.reconcileStarted();
        clock.advance(Duration.ofMinutes(4));
        assertThat(health.liveness().status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(2));
        assertThat(health.liveness().status()).isEqualTo(500);
        assertThat(health.liveness().body()).contains("stuck: a reconcile has run for 360 s");
        health.reconcileFinished();
        assertThat(health.liveness().status()).isEqualTo(200);
    }

    private static final class MovingClock extends Clock {
        private Instant now = Instant.parse("2026-12-02T08:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
