package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** `gitwire run` on two nodes: health, readiness, metrics, drift repaired within a second, SIGTERM and restart. */
@Privileged
class AgentRunIT {

    @Test
    void theAgentKeepsTheKernelRightAndLeavesItAsItIsWhenStopped() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of());
            List<Process> agents = new ArrayList<>();
            for (Node node : bed.nodes()) {
                agents.add(bed.startGitwire(node, "run", "--allow-unsigned", "--repo",
                        repo.toString(), "--node", node.name(), "--state-dir", node.stateDir().toString(),
                        "--no-kubernetes", "--interval", "30s"));
            }
            for (Node node : bed.nodes()) {
                assertThat(Testbed.eventually(20_000, () -> Testbed.agentHttp(node, "GET", "/readyz").endsWith("200")))
                        .as("%s ready; log:%n%s", node.name(), bed.log(node)).isTrue();
                assertThat(Testbed.agentHttp(node, "GET", "/healthz")).endsWith("200");
            }
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
            // ready means converged; node-b is routed once the handshake proves both sides have the keys
            assertThat(Testbed.routesIntoTunnel(a, b, 20_000)).isTrue();

            a.host().namespace().ip("route", "del", b.podAddress(1), "table", "51820");
            assertThat(Testbed.eventually(1_000, () -> a.host().namespace().ip("route", "show", "table", "51820")
                    .contains(b.podAddress(1) + " dev gitwire0"))).as("route back within a second").isTrue();
            String metrics = Testbed.agentHttp(a, "GET", "/metrics");
            assertThat(metrics).contains("gitwire_reconciles_total{result=\"converged\"}")
                    .contains("gitwire_kernel_operations_total{kind=\"AddRoute\"}")
                    .containsPattern("gitwire_drift_repairs_total [1-9]")
                    .contains("gitwire_peers{state=\"Peered\"} 1")
                    .contains("gitwire_applied_revision_info{revision=\"repo@sha256:")
                    .doesNotContain(a.key().base64());
            assertThat(Testbed.agentHttp(a, "POST", "/reconcile")).endsWith("202");

            agents.get(0).destroy(); // SIGTERM
            assertThat(agents.get(0).waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(a.host().namespace().ip("link", "show")).contains("gitwire0");
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 5)).isTrue();

            agents.set(0, bed.startGitwire(a, "run", "--allow-unsigned", "--repo", repo.toString(),
                    "--node", "node-a", "--state-dir", a.stateDir().toString(), "--no-kubernetes"));
            assertThat(Testbed.eventually(20_000, () -> Testbed.agentHttp(a, "GET", "/readyz").endsWith("200"))).isTrue();
            assertThat(Testbed.agentHttp(a, "GET", "/metrics")).as("a restart that finds the kernel right changes nothing")
                    .contains("gitwire_reconciles_total{result=\"converged\"}")
                    .doesNotContain("gitwire_kernel_operations_total{");
        }
    }

    /**
     * Issue 28 point 2: a device that something else keeps deleting (Calico's Felix does so to wireguard.cali) is
     * recreated each time, counted, and reported once as such, instead of being silently recreated forever.
     */
    @Test
    void aDeviceThatSomethingElseKeepsDeletingIsRecreatedAndReported() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            bed.addNode("node-b", 2, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of());
            bed.startGitwire(a, "run", "--allow-unsigned", "--repo", repo.toString(), "--node", a.name(), "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes", "--interval", "30s");
            assertThat(Testbed.eventually(20_000, () -> Testbed.agentHttp(a, "GET", "/readyz").endsWith("200")))
                    .as(bed.log(a)).isTrue();
            for (int deletion = 1; deletion <= 3; deletion++) {
                a.host().namespace().ip("link", "del", Testbed.DEVICE);
                int expected = deletion;
                assertThat(Testbed.eventually(10_000, () -> Testbed.agentHttp(a, "GET", "/metrics")
                        .contains("gitwire_device_deletions_total " + expected)
                        && a.host().namespace().ip("link", "show").contains(Testbed.DEVICE)))
                        .as("deletion %d counted and the device back:%n%s", deletion, bed.log(a)).isTrue();
            }
            assertThat(Testbed.eventually(5_000, () -> bed.log(a).contains("device-deleted"))).isTrue();
            assertThat(bed.log(a)).containsOnlyOnce("was deleted 3 times in the last 10 minutes by something other than"
                    + " gitwire").contains("Calico's Felix deletes wireguard.cali");
        }
    }
}
