package dev.gitwire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 28 point 11: the teardown grace must exceed the spread of the nodes' reads of a commit. An agent that polls
 * may read a commit a whole interval after another node: its default grace follows its interval; the one-shot
 * commands, which a cluster runs at once, keep 5 s; a grace given is the grace taken.
 */
class TeardownGraceTest {

    private static RunCommand run(String... args) {
        CommandLine top = GitwireCommand.commandLine(Map.of());
        String[] all = new String[args.length + 9];
        System.arraycopy(new String[] {"run", "--repo", "/r", "--node", "n", "--state-dir", "/s", "--no-kubernetes",
                "--allow-unsigned"}, 0, all, 0, 9);
        System.arraycopy(args, 0, all, 9, args.length);
        top.parseArgs(all);
        return top.getSubcommands().get("run").getCommand();
    }

    @Test
    void theAgentsGraceFollowsItsPollAndAGivenGraceIsKept() {
        RunCommand polling = run("--interval", "30s");
        assertThat(polling.options.settings(Duration.ofSeconds(30).plus(CommonOptions.READ_SPREAD)).teardownGrace())
                .isEqualTo(Duration.ofSeconds(40));
        assertThat(polling.options.settings().teardownGrace()).as("a one-shot command").isEqualTo(Duration.ofSeconds(5));
        assertThat(run("--teardown-grace", "7s").options.settings(Duration.ofSeconds(40)).teardownGrace())
                .isEqualTo(Duration.ofSeconds(7));
    }
}
