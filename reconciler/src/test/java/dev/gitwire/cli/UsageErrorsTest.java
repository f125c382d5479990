package dev.gitwire.cli;

import static dev.gitwire.cli.CliRun.gitwire;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.testing.IntentFixtures;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Issue 18: a usage error is one line that says what is wrong, a hint where help is, and exit 2. */
class UsageErrorsTest {

    @Test
    void aMissingFlagIsOneLineAndAHintNotTheWholeUsage() {
        CliRun run = gitwire("plan", "--node", "a");

        assertThat(run.exitCode()).isEqualTo(GitwireCommand.EXIT_USAGE);
        assertThat(run.err().lines()).containsExactly("gitwire: Missing required option: '--repo=<repo>'",
                "see: gitwire plan --help");
    }

    /** Issue 18: the version is the build's, and the image deploy/ runs carries the same tag. */
    @Test
    void theVersionIsTheBuildsAndTheImageTagOfDeploy() throws Exception {
        CliRun run = gitwire("--version");
        assertThat(run.exitCode()).isZero();
        String version = run.out().strip();
        assertThat(version).matches("gitwire \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");

        String daemonSet = Files.readString(IntentFixtures.examplesRepo()
                .resolveSibling("deploy").resolve("base/daemonset.yaml"));
        assertThat(daemonSet).contains("image: ghcr.io/gitwire/gitwire:" + version.substring("gitwire ".length()) + "\n");
    }

    @Test
    void aPortThatIsNotANumberAndAnUnknownLogFormatAreUsageErrors() {
        CliRun port = gitwire("run", "--allow-unsigned", "--repo", "/nonexistent", "--node", "a", "--no-kubernetes",
                "--http-address", "127.0.0.1:abc");
        assertThat(port.exitCode()).isEqualTo(GitwireCommand.EXIT_USAGE);
        assertThat(port.err()).contains("an address is HOST:PORT with a port of 0 to 65535, not 127.0.0.1:abc");

        CliRun format = gitwire("run", "--allow-unsigned", "--repo", "/nonexistent", "--node", "a", "--no-kubernetes",
                "--log-format", "jsn");
        assertThat(format.exitCode()).isEqualTo(GitwireCommand.EXIT_USAGE);
        assertThat(format.err()).contains("--log-format").contains("plain, json").contains("jsn");
    }
}
