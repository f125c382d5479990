package dev.gitwire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.agent.NodeSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 14, point 1: the agent applies only signed intent unless told otherwise, and says at every start
 * (and in its status) when the status branch's credential could also push the intent.
 */
class TrustBoundaryOptionsTest {

    @Test
    void theAgentRefusesToRunOnUnverifiedIntentWithoutBeingToldTo() {
        CliRun run = CliRun.gitwire("run", "--repo", "https://git.example/mesh.git", "--node", "a", "--no-kubernetes");

        assertThat(run.exitCode()).isEqualTo(GitwireCommand.EXIT_USAGE);
        assertThat(run.err()).contains("the agent applies only signed intent: give --verify-signatures");
    }

    @Test
    void aStatusBranchPushedWithTheIntentsCredentialIsAWarningAndItsOwnCredentialIsNot() {
        NodeSettings shared = settings("--status-branch", "gitwire/status", "--git-token-file", "/etc/gitwire/git/token");
        assertThat(shared.trustWarnings()).hasSize(2)
                .anyMatch(w -> w.startsWith("the intent's signatures are not verified"))
                .anyMatch(w -> w.startsWith("the status branch gitwire/status lives in the intent repo under the intent's"
                        + " credential"));

        NodeSettings separate = settings("--status-branch", "gitwire/status", "--git-token-file", "/etc/gitwire/git/token",
                "--status-git-token-file", "/etc/gitwire/status/token", "--verify-signatures", "--trusted-keys", "/k.asc");
        assertThat(separate.trustWarnings()).isEmpty();

        NodeSettings ownRepo = settings("--status-branch", "gitwire/status", "--status-repo", "https://git.example/status.git",
                "--verify-signatures", "--trusted-keys", "/k.asc");
        assertThat(ownRepo.trustWarnings()).isEmpty();
    }

    private static NodeSettings settings(String... flags) {
        PlanCommand plan = new PlanCommand();
        String[] args = new String[flags.length + 5];
        args[0] = "--repo";
        args[1] = "https://git.example/mesh.git";
        args[2] = "--node";
        args[3] = "a";
        args[4] = "--no-kubernetes";
        System.arraycopy(flags, 0, args, 5, flags.length);
        new CommandLine(plan).parseArgs(args);
        return plan.options.settings();
    }
}
