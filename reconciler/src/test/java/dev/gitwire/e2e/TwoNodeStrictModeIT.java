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

/**
 * Two nodes of the mesh and one the inventory does not list (the autoscaler's): Strict mode never sends to a node
 * without WireGuard, nor to an address of the workload networks that no peer holds, and `plan` changes nothing.
 */
@Privileged
class TwoNodeStrictModeIT {

    @Test
    void strictModeRefusesPlaintextAndPlanOnlyLooks() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Node unlisted = bed.addNode("node-c", 3, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.STRICT), Set.of("node-b"));
            Files.delete(repo.resolve("nodes/node-c.yaml"));

            Path before = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec",
                    bed.pod(a.podAddress(1)).name(), "ping", "-c", "2", "-W", "1", unlisted.podAddress(1)), null));

            Shell.Result plan = bed.gitwire(a, "plan", "--repo", repo.toString(), "--node", "node-a", "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes", "--output", "json");
            assertThat(plan.exitCode()).as(plan.output()).isZero();
            JsonNode planned = new ObjectMapper().readTree(plan.output().substring(plan.output().indexOf('{')));
            // throw for a1, prohibit for b1, throw for both node addresses, prohibit for the rest of the workload network
            assertThat(planned.get("counts").get("AddRoute").asInt()).isEqualTo(5);
            assertThat(a.host().namespace().ip("link", "show")).doesNotContain("gitwire0");

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

            // on main, a pod of a node the inventory does not list was reached in plaintext, as before the apply
            Path toUnlisted = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec",
                    bed.pod(a.podAddress(1)).name(), "ping", "-c", "3", "-W", "1", unlisted.podAddress(1)), null));
            assertThat(Testbed.count(toUnlisted, "icmp[icmptype] == icmp-echo and host " + unlisted.podAddress(1))).isZero();
            assertThat(Testbed.count(before, "icmp[icmptype] == icmp-echo and host " + unlisted.podAddress(1))).isPositive();
            assertThat(Testbed.reachable(a.host().namespace(), b.address(), 5)).as("node addresses stay reachable").isTrue();
        }
    }
}
