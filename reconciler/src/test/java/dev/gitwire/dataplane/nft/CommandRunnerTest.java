package dev.gitwire.dataplane.nft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tool that hangs ends in an error at the deadline, whatever it does with its pipes (issue 15). */
class CommandRunnerTest {

    private final CommandRunner runner = new CommandRunner(NetworkNamespace.current(), Duration.ofMillis(500));

    @Test
    void aToolThatNeverEndsIsKilledAtTheDeadline() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> runner.run(List.of("sleep", "30"), null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sleep 30 did not finish within 500 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aToolThatNeitherReadsItsInputNorEndsIsKilledAtTheDeadlineToo() {
        String large = "x".repeat(4 << 20); // more than a pipe holds: writing it would block for good
        assertThatThrownBy(() -> runner.run(List.of("sleep", "30"), large)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not finish");
    }

    @Test
    void outputAndInputStillFlowBothWays() {
        CommandRunner.Result result = runner.run(List.of("sh", "-c", "cat; echo oops >&2; exit 3"), "hello\n");
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("hello\n");
        assertThat(result.stderr()).isEqualTo("oops\n");
    }
}
