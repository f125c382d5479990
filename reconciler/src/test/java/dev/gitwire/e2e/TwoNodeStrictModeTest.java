package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.intent.Mode;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Two nodes: Strict mode never sends to a node without WireGuard, and `plan` changes nothing. */
@Privileged
class TwoNodeStrictModeTest {

    @Test
    void strictModeRefusesPlaintextAndPlanOnlyLooks() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.STRICT), Set.of("node-b"));

            Shell.Result plan = bed.gitwire(a, "plan", "--repo", repo.toString(), "--node", "node-a", "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes", "--output", "json");
            assertThat(plan.exitCode()).as(plan.output()).isZero();
            JsonNode planned = new ObjectMapper().readTree(plan.output().substring(plan.output().indexOf('{')));
            assertThat(planned.get("counts").get("AddRoute").asInt()).isEqualTo(2); // throw for a1, prohibit for b1
            assertThat(a.host().namespace().ip("link", "show")).doesNotContain("wireguard.cali");

            assertThat(bed.apply(a, repo).exitCode()).isZero();
            assertThat(bed.apply(b, repo).exitCode()).isZero();

            assertThat(a.host().namespace().ip("route", "show", "table", "51820"))
                    .contains("prohibit " + b.podAddress(1));
            Shell.Result refused = Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                    "ping", "-c", "2", "-W", "1", b.podAddress(1)), null);
            assertThat(refused.exitCode()).isNotZero();
            Path capture = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec",
                    bed.pod(a.podAddress(1)).name(), "ping", "-c", "2", "-W", "1", b.podAddress(1)), null));
            assertThat(Testbed.count(capture, "icmp and host " + b.podAddress(1))).isZero();
        }
    }
}
