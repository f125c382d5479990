package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Issue 26 point 6: host encryption marked every packet that did not arrive from lo, the WireGuard link or a
 * listed pod interface prefix (azv), and a mark makes a packet skip table T and pass the guard: a pod on an
 * interface of another prefix (Cilium's lxc, KubeVirt, Azure CNI's bridge mode), or NodePort traffic forwarded
 * to a remote pod, left in plaintext, in Strict mode too. Now only what comes from a peer's node address is
 * marked, and such a pod's traffic is encrypted like any other.
 */
@Privileged
class HostEncryptionPodInterfacesIT {

    @Test
    void aPodOnAnInterfaceGitwireDoesNotListIsEncryptedUnderHostEncryption() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1, "lxc");
            Node b = bed.addNode("node-b", 2, 1);
            bed.strictReversePathFiltering();
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, true, Mode.STRICT), Set.of());

            bed.applyEverywhere(repo).forEach((node, result) ->
                    assertThat(result.exitCode()).as("apply on %s:%n%s", node, result.output()).isZero());
            bed.applyEverywhere(repo).forEach((node, result) -> // the second round routes what the first proved
                    assertThat(result.exitCode()).as("apply on %s:%n%s", node, result.output()).isZero());

            assertThat(a.host().namespace().ip("link", "show")).contains("lxc1x1");
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
            Path capture = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                    "ping", "-c", "5", "-i", "0.2", "-W", "1", b.podAddress(1)), null));
            assertThat(Testbed.count(capture, "icmp[icmptype] == icmp-echo")).isZero();
            assertThat(Testbed.count(capture, "udp port 51820")).isGreaterThanOrEqualTo(10);
            // host to host still passes strict reverse-path filtering: the peers' handshakes and UDP are marked
            assertThat(Testbed.reachable(a.host().namespace(), b.address(), 10)).isTrue();
        }
    }
}
