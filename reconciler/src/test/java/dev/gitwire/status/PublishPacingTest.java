package dev.gitwire.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class PublishPacingTest {

    /** Always the longest wait the pacing allows, so that the ceilings themselves are asserted. */
    private static final RandomGenerator LONGEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    @Test
    void theFirstPushOfAWholeClusterIsSpreadOverATenthOfASecondPerNode() {
        assertThat(new PublishPacing(200, LONGEST).beforeFirstAttempt()).isEqualTo(Duration.ofMillis(19_900));
        assertThat(new PublishPacing(1, LONGEST).beforeFirstAttempt()).isZero();
    }

    @Test
    void aLostRaceWaitsFifteenAttemptsDoublingUpToOneAttemptPerFiveNodes() {
        PublishPacing pacing = new PublishPacing(200, LONGEST);
        Duration attempt = Duration.ofMillis(100);
        assertThat(pacing.afterAttempt(attempt)).isEqualTo(Duration.ofMillis(1_500));
        assertThat(pacing.afterAttempt(attempt)).isEqualTo(Duration.ofMillis(3_000));
        assertThat(pacing.afterAttempt(attempt)).isEqualTo(Duration.ofMillis(4_000)); // 200 nodes / 5 x 100 ms
        assertThat(pacing.afterAttempt(attempt)).isEqualTo(Duration.ofMillis(4_000));
    }

    @Test
    void anAttemptSlowedDownByABurstDoesNotStretchTheWaits() {
        PublishPacing pacing = new PublishPacing(200, LONGEST);
        pacing.afterAttempt(Duration.ofMillis(100));
        assertThat(pacing.afterAttempt(Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(3_000));
    }

    @Test
    void aSmallClusterRetriesSoonButNeverInATightLoop() {
        PublishPacing pacing = new PublishPacing(3, LONGEST);
        assertThat(pacing.afterAttempt(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(60));
        assertThat(new PublishPacing(3, LONGEST).afterAttempt(Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(50));
    }
}
