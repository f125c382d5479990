package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.AgentImage;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image that `make image` builds, as the DaemonSet runs it: what the container cannot do with the DaemonSet's
 * privileges shows up here, not on a customer's cluster.
 */
@Privileged
class AgentImageEndToEndIT {

    @BeforeAll
    static void theImageIsBuilt() {
        String missing = AgentImage.missing();
        if (missing != null && "required".equals(System.getenv("GITWIRE_PRIVILEGED_TESTS"))) {
            throw new IllegalStateException("GITWIRE_PRIVILEGED_TESTS=required, but " + missing);
        }
        Assumptions.assumeTrue(missing == null, () -> "image test skipped: " + missing);
    }

    @Test
    void theImagePrintsTheReleaseVersion() {
        Shell.Result version = Shell.tryRun(AgentImage.run(List.of(), "--version"), null);
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output().strip()).isEqualTo("gitwire " + AgentImage.version());
    }

    @Test
    void aNodeWhoseAgentIsTheImageUnderTheDaemonSetsContextJoinsTheMeshEncryptedAndItsHostsOnceSetUp() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Node c = bed.addNode("node-c", 3, 1);
            bed.strictReversePathFiltering();
            GitServer git = bed.gitServer();
            String url = git.create("intent");
            GitWorkTree work = new GitWorkTree(bed.root().resolve("work"), "file://" + git.path("intent"), Map.of());
            bed.writeIntent(work.dir(), Testbed.mesh(true, true, Mode.STRICT), Set.of());
            work.commit("encryption on", List.of());
            work.push(false);

            bed.startGitwireContainer(a, List.of(), "run", "--allow-unsigned", "--repo", url, "--node", a.name(),
                    "--state-dir", "/var/lib/gitwire", "--no-kubernetes", "--interval", "2s");
            for (Node node : List.of(b, c)) {
                bed.startGitwire(node, "run", "--allow-unsigned", "--repo", url, "--node", node.name(), "--state-dir",
                        node.stateDir().toString(), "--no-kubernetes", "--interval", "2s");
            }
            for (Node node : bed.nodes()) {
                assertThat(Testbed.eventually(60_000, () -> Testbed.agentHttp(node, "GET", "/readyz").endsWith("200")))
                        .as("%s ready; log:%n%s", node.name(), bed.log(node)).isTrue();
            }
            for (Node other : List.of(b, c)) {
                assertThat(Testbed.routesIntoTunnel(a, other, 30_000) && Testbed.routesIntoTunnel(other, a, 30_000))
                        .as("node-a and %s route each other's pods into the tunnel:%n%s", other.name(), bed.log(a)).isTrue();
                assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), other.podAddress(1), 20)).isTrue();
            }
            Path capture = bed.capture(() -> {
                for (Node other : List.of(b, c)) {
                    Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-c", "4", "-i", "0.2",
                            other.podAddress(1));
                    Shell.run("ip", "netns", "exec", bed.pod(other.podAddress(1)).name(), "ping", "-c", "4", "-i", "0.2",
                            a.podAddress(1));
                }
            });
            String pods = "host " + a.podAddress(1) + " or host " + b.podAddress(1) + " or host " + c.podAddress(1);
            assertThat(Testbed.count(capture, "udp port 51820")).isGreaterThanOrEqualTo(32);
            assertThat(Testbed.count(capture, "not udp port 51820 and (" + pods + ")")).as("plaintext between pods").isZero();
            assertThat(Shell.run(List.of("ip", "-n", a.host().namespace().name(), "-d", "link", "show", "gitwire0"), null))
                    .as("the container's own wireguard-go").contains("tun");

            // /proc/sys is read-only to the agent: host encryption waits for node-setup, said once, pods encrypted
            assertThat(Testbed.agentHttp(a, "GET", "/metrics"))
                    .contains("gitwire_sysctl_unsettable{sysctl=\"net.ipv4.conf.all.src_valid_mark\"} 1");
            assertThat(bed.log(a)).containsOnlyOnce("host encryption is off on this node: it needs"
                    + " net.ipv4.conf.all.src_valid_mark=1, and /proc/sys is read-only");
            Shell.Result setUp = AgentImage.nodeSetup(a);
            assertThat(setUp.exitCode()).as(setUp.output()).isZero();
            assertThat(setUp.output()).contains("net.ipv4.conf.all.src_valid_mark = 1 (was 0)");
            Testbed.agentHttp(a, "POST", "/reconcile");
            assertThat(Testbed.eventually(20_000, () -> !Testbed.agentHttp(a, "GET", "/metrics")
                    .contains("gitwire_sysctl_unsettable{"))).as(bed.log(a)).isTrue();
            for (Node other : List.of(b, c)) {
                assertThat(Testbed.eventually(20_000, () -> Testbed.routesIntoTunnel(a, other.address())))
                        .as("host encryption on, node-a routes %s into the tunnel:%n%s", other.address(), bed.log(a)).isTrue();
                assertThat(Testbed.reachable(a.host().namespace(), other.address(), 20)).isTrue();
            }
            Path hosts = bed.capture(() -> List.of(b, c).forEach(other -> a.host().namespace().exec("ping", "-c", "4",
                    "-i", "0.2", other.address())));
            assertThat(Testbed.count(hosts, "icmp")).as("plaintext between the hosts").isZero();
            assertThat(Testbed.count(hosts, "udp port 51820")).isGreaterThanOrEqualTo(16);
        }
    }
}
