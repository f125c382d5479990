package dev.gitwire.cli;

import static dev.gitwire.cli.CliRun.gitwire;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.testing.IntentFixtures;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

    @Test
    void theExamplesRepoIsValid() {
        CliRun run = gitwire("validate", IntentFixtures.examplesRepo().toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("valid: mesh aks-prod-westeurope, 3 nodes\n");
    }

    /** Issue 18: copying the example encrypts nothing; the README's one-line pull request turns it on. */
    @Test
    void theExampleIsSafeToCopyAndTheOneLinePullRequestTurnsItOn(@TempDir Path dir) throws IOException {
        Path copy = IntentFixtures.copy(IntentFixtures.examplesRepo(), dir);
        var reader = new IntentReader();
        assertThat(reader.read(new DirectoryTree(copy)).intent().orElseThrow().mesh().enabled()).isFalse();

        String mesh = Files.readString(copy.resolve("mesh.yaml"));
        assertThat(mesh).containsOnlyOnce("  enabled: false\n");
        Files.writeString(copy.resolve("mesh.yaml"), mesh.replace("  enabled: false\n", "  enabled: true\n"));

        assertThat(gitwire("validate", copy.toString()).exitCode()).isZero();
        assertThat(reader.read(new DirectoryTree(copy)).intent().orElseThrow().mesh().enabled()).isTrue();
    }

    @Test
    void everyProblemOfEveryFileIsPrintedSortedInOneRun(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Files.writeString(repo.resolve("mesh.yaml"), Files.readString(repo.resolve("mesh.yaml"))
                + "  wireguard:\n    listenPort: 0\n    mtu: 99\n");
        Files.writeString(repo.resolve("nodes/node-a.yaml"),
                Files.readString(repo.resolve("nodes/node-a.yaml")).replace("10.240.0.10]", "10.240.0.999]"));

        CliRun run = gitwire("validate", repo.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out().lines()).containsExactly(
                "mesh.yaml:9:17: spec.wireguard.listenPort: listen port 0 is outside 1..65535",
                "mesh.yaml:10:10: spec.wireguard.mtu: MTU 99 is outside 1280..9000",
                "nodes/node-a.yaml:6:15: spec.addresses[0]: '10.240.0.999' is not an IP address");
        assertThat(run.err()).isEmpty();
    }

    /**
     * A pull request is hostile until reviewed: a key holding escape sequences (here a terminal hyperlink) must
     * reach the reviewer's terminal as text, not as a link or a cleared screen.
     */
    @Test
    void whatAProblemQuotesFromTheFileReachesTheTerminalAsText(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Files.writeString(repo.resolve("mesh.yaml"), Files.readString(repo.resolve("mesh.yaml"))
                + "  \"\\e]8;;https://evil\\e\\\\approved\\e]8;;\\e\\\\\\u202e\": 1\n");

        CliRun run = gitwire("validate", repo.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).doesNotContain("\u001b").doesNotContain("\u202e")
                .contains("spec.\\u001b]8;;https://evil\\u001b\\approved\\u001b]8;;\\u001b\\\\u202e: unknown field");
    }

    @Test
    void jsonOutputCarriesTheSameProblems(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Files.writeString(repo.resolve("mesh.yaml"), Files.readString(repo.resolve("mesh.yaml"))
                + "  wireguard:\n    firewallMark: 0x3\n");

        CliRun run = gitwire("validate", "--output", "json", repo.toString());

        assertThat(run.exitCode()).as("a warning does not fail").isZero();
        JsonNode problems = new ObjectMapper().readTree(run.out());
        assertThat(problems).hasSize(2); // more than one bit, and bits that Cilium's identity uses
        for (JsonNode problem : problems) {
            assertThat(problem.get("file").asText()).isEqualTo("mesh.yaml");
            assertThat(problem.get("line").asInt()).isEqualTo(9);
            assertThat(problem.get("severity").asText()).isEqualTo("warning");
        }
        assertThat(problems.findValuesAsText("message")).anySatisfy(m -> assertThat(m).contains("more than one bit"));
    }

    /**
     * Issue 28 point 2: the names and numbers Calico, Cilium, kube-proxy and the kernel take for their own are warned
     * about at their line (gitwire's former defaults among them); the defaults take none of them.
     */
    @Test
    void aNameOrNumberAnotherAgentTakesIsAWarningAtItsLine(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        CliRun defaults = gitwire("validate", repo.toString());
        assertThat(defaults.out()).doesNotContain("warning");
        Files.writeString(repo.resolve("mesh.yaml"), Files.readString(repo.resolve("mesh.yaml"))
                + "  wireguard:\n    interfaceName: wireguard.cali\n    firewallMark: 0x100000\n"
                + "  routing:\n    table: 1\n    rulePriority: 99\n");

        CliRun run = gitwire("validate", repo.toString());

        assertThat(run.exitCode()).as("warnings do not fail").isZero();
        assertThat(run.out().lines()).filteredOn(l -> l.contains("warning")).hasSize(4);
        assertThat(run.out()).contains("mesh.yaml:9:20: warning: spec.wireguard.interfaceName: interface name"
                        + " 'wireguard.cali' is Calico's WireGuard device: Felix deletes a link of that name")
                .contains("mesh.yaml:10:19: warning: spec.wireguard.firewallMark: firewall mark 0x100000 uses a bit of"
                        + " Calico's mark bits")
                .contains("mesh.yaml:12:12: warning: spec.routing.table: routing table 1 lies in Calico's route-table range")
                .contains("mesh.yaml:13:19: warning: spec.routing.rulePriority: rule priority 99 is Calico's WireGuard rule's");
    }

    @Test
    void aFileOverTheLimitIsRefusedBeforeItIsRead(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        try (RandomAccessFile huge = new RandomAccessFile(repo.resolve("nodes/node-d.yaml").toFile(), "rw")) {
            huge.setLength(50L * 1024 * 1024); // sparse: refused by size, never parsed
        }
        CliRun run = gitwire("validate", repo.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("nodes/node-d.yaml:1:1: file is 52428800 bytes; the limit is 16777216");
    }

    @Test
    void invalidUtf8AndMissingMeshAreNamed(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Files.delete(repo.resolve("mesh.yaml"));
        Files.write(repo.resolve("nodes/node-a.yaml"), new byte[] {'k', ':', ' ', (byte) 0xC3, (byte) 0x28});
        CliRun run = gitwire("validate", repo.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out().lines()).containsExactly(
                "mesh.yaml:1:1: missing: an intent repo has a MeshIntent in mesh.yaml at its root",
                "nodes/node-a.yaml:1:1: file is not valid UTF-8");
    }

    @Test
    void symbolicLinksAreNotFollowed(@TempDir Path dir) throws IOException {
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Path outside = Files.writeString(dir.resolve("secret.yaml"), "not: [valid");
        Files.createSymbolicLink(repo.resolve("nodes/node-z.yaml"), outside);
        assertThat(gitwire("validate", repo.toString()).exitCode()).isZero();
    }

    @Test
    void usageErrorsExitWithTwoAndNoStackTrace(@TempDir Path dir) {
        CliRun missing = gitwire("validate", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a directory").doesNotContain("Exception").doesNotContain("\tat ");

        CliRun badOption = gitwire("validate", "--output", "xml", dir.toString());
        assertThat(badOption.exitCode()).isEqualTo(2);
        assertThat(gitwire("frobnicate").exitCode()).isEqualTo(2);
        assertThat(gitwire().exitCode()).isEqualTo(2);
    }
}
