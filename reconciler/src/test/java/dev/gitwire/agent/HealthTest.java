package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** `/healthz` and `/readyz` tell the truth (issue 15): a stuck reconcile, a stale intent, a failed reconcile. */
class HealthTest {

    private final ManualClock clock = new ManualClock();
    private final Health health = new Health(clock);

    @Test
    void readyWhenConvergedOnAnIntentWhateverGitDoesSince() {
        assertThat(health.readiness().status()).isEqualTo(503);
        assertThat(health.readiness().body()).contains("no intent read yet");

        health.intentRead();
        health.converged(false, "the last reconcile failed: nft: refused");
        assertThat(health.readiness().body()).contains("nft: refused");

        health.converged(true, "");
        assertThat(health.readiness().status()).isEqualTo(200);

        // issue 28 point 5: every Git read fails for an hour; the node's dataplane is as verified, so it stays ready
        clock.advance(Duration.ofHours(1));
        assertThat(health.readiness().status()).isEqualTo(200);
        health.converged(false, "the last reconcile failed: netlink: refused");
        assertThat(health.readiness().status()).isEqualTo(503);
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
}
