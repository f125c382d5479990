package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.KernelWireguard;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * `gitwire apply --wireguard kernel` on three netns nodes of a VM with kernel WireGuard (issue 16): the
 * path production nodes take, end to end, checked on the wire. The link must be of kind wireguard: a
 * silent fallback to wireguard-go cannot pass.
 */
@KernelWireguard
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelMeshEndToEndTest {

    private Testbed bed;
    private Path repo;
    private Node a;
    private Node b;

    @BeforeAll
    void cluster() throws Exception {
        bed = new Testbed();
        a = bed.addNode("node-a", 1, 2);
        b = bed.addNode("node-b", 2, 1);
        bed.addNode("node-c", 3, 1);
        bed.strictReversePathFiltering();
        repo = Files.createDirectories(bed.root().resolve("repo"));
    }

    @AfterAll
    void tearDown() {
        bed.close();
    }

    /** Under QEMU's emulation the JVMs start slowly: give the first handshakes time, then demand them. */
    private void applyEverywhere() throws InterruptedException {
        bed.onEveryNode(node -> bed.apply(node, repo, "--wireguard", "kernel", "--handshake-timeout", "120s"))
                .forEach((node, result) -> {
                    assertThat(result.exitCode()).as("apply on %s:\n%s", node, result.output()).isZero();
                    assertThat(result.output()).contains("converged").contains("wireguard: kernel (")
                            .doesNotContain("awaiting");
                });
    }

    @Test
    @Order(1)
    void podAndHostTrafficGoesThroughKernelWireguardOnlyAsUdpToTheListenPort() throws Exception {
        bed.writeIntent(repo, Testbed.mesh(true, true, Mode.OPPORTUNISTIC), Set.of());
        applyEverywhere();

        for (Node node : bed.nodes()) {
            assertThat(node.host().namespace().ip("-d", "link", "show", "gitwire0")).contains(" wireguard ");
        }
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 30)).isTrue();
        Path pods = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                "ping", "-c", "5", "-i", "0.2", b.podAddress(1)));
        assertThat(Testbed.count(pods, "udp port 51820")).isGreaterThanOrEqualTo(10);
        assertThat(Testbed.count(pods, "ip and not udp port 51820")).isZero();

        assertThat(Testbed.reachable(a.host().namespace(), b.address(), 30)).isTrue();
        Path hosts = bed.capture(() -> a.host().namespace().exec("ping", "-c", "5", "-i", "0.2", b.address()));
        assertThat(Testbed.count(hosts, "icmp")).isZero();
        assertThat(Testbed.count(hosts, "udp port 51820")).isGreaterThanOrEqualTo(10);
        assertThat(a.host().namespace().exec("sysctl", "-n", "net.ipv4.conf.eth0.rp_filter").strip()).isEqualTo("1");
    }

    @Test
    @Order(2)
    void aSecondApplyChangesNothing() throws InterruptedException {
        bed.onEveryNode(node -> bed.apply(node, repo, "--wireguard", "kernel")).forEach((node, result) ->
                assertThat(result.output()).as("apply on %s", node).contains("0 changes").contains("converged"));
    }

    @Test
    @Order(3)
    void disablingRemovesTheKernelLinkAndTrafficFlowsInPlaintext() throws Exception {
        bed.writeIntent(repo, Testbed.mesh(false, true, Mode.OPPORTUNISTIC), Set.of());
        bed.onEveryNode(node -> bed.apply(node, repo, "--wireguard", "kernel")).forEach((node, result) ->
                assertThat(result.exitCode()).as("apply on %s:\n%s", node, result.output()).isZero());

        for (Node node : bed.nodes()) {
            assertThat(node.host().namespace().ip("link", "show")).doesNotContain("gitwire0");
            assertThat(node.host().namespace().exec("nft", "list", "tables")).doesNotContain("gitwire");
        }
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 10)).isTrue();
    }
}
