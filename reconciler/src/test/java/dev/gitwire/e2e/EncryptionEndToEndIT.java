package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes on a bridge with two pods each, `gitwire apply --no-kubernetes` on each: encryption is
 * checked on the wire, as a user would check it. The steps build on each other, in order.
 */
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EncryptionEndToEndIT {

    private Testbed bed;
    private Path repo;
    private Node a;
    private Node b;
    private Node c;

    @BeforeAll
    void cluster() throws Exception {
        bed = new Testbed();
        a = bed.addNode("node-a", 1, 2);
        b = bed.addNode("node-b", 2, 2);
        c = bed.addNode("node-c", 3, 1);
        bed.strictReversePathFiltering();
        repo = Files.createDirectories(bed.root().resolve("repo"));
    }

    @AfterAll
    void tearDown() {
        bed.close();
    }

    private void applyEverywhere() throws InterruptedException {
        bed.applyEverywhere(repo).forEach((node, result) -> {
            assertThat(result.exitCode()).as("apply on %s:\n%s", node, result.output()).isZero();
            assertThat(result.output()).contains("converged").doesNotContain("awaiting")
                    .contains("wireguard: userspace ("); // this kernel has no WireGuard: wireguard-go, and it says so
        });
    }

    @Test
    @Order(1)
    void crossNodePodTrafficIsEncryptedAndTheNodeWithoutWireguardIsReachedInPlaintext() throws Exception {
        bed.writeIntent(repo, Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of("node-c"));
        assertThat(planExitCode(a)).as("plan --exit-code with changes pending").isEqualTo(3);
        applyEverywhere();

        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
        Path encrypted = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                "ping", "-c", "5", "-i", "0.2", b.podAddress(1)));
        assertThat(Testbed.count(encrypted, "udp port 51820")).isGreaterThanOrEqualTo(10);
        assertThat(Testbed.count(encrypted, "icmp")).isZero();

        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), c.podAddress(1), 10)).isTrue();
        Path plain = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                "ping", "-c", "3", "-i", "0.2", c.podAddress(1)));
        assertThat(Testbed.count(plain, "icmp and host " + c.podAddress(1))).isGreaterThanOrEqualTo(6);
    }

    @Test
    @Order(2)
    void sameNodePodTrafficStaysOffTheTunnel() {
        String before = a.host().run("wg", "show", "gitwire0", "transfer");
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), a.podAddress(2), 5)).isTrue();
        Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-c", "5", "-i", "0.2", a.podAddress(2));
        assertThat(a.host().run("wg", "show", "gitwire0", "transfer")).isEqualTo(before);
        assertThat(a.host().namespace().ip("route", "get", a.podAddress(2))).contains("dev azv1x2");
    }

    @Test
    @Order(3)
    void aSecondApplyChangesNothing() throws Exception {
        for (Node node : bed.nodes()) {
            assertThat(bed.apply(node, repo).output()).contains("0 changes").contains("converged");
        }
        // issue 28 point 11: the same as one JSON document, for scripts
        Shell.Result json = bed.apply(a, repo, "--output", "json");
        assertThat(json.exitCode()).as(json.output()).isZero();
        var document = new ObjectMapper().readTree(json.output());
        assertThat(document.get("converged").asBoolean()).isTrue();
        assertThat(document.get("changes").asInt()).isZero();
        assertThat(document.get("stillDifferent")).isEmpty();
        assertThat(document.get("guardedDestinations").asInt()).isPositive();
        assertThat(document.get("revision").asText()).startsWith("repo@sha256:");
        assertThat(planExitCode(a)).as("plan --exit-code with nothing to change").isZero();
    }

    private int planExitCode(Node node) {
        return bed.gitwire(node, "plan", "--exit-code", "--repo", repo.toString(), "--node", node.name(), "--state-dir",
                node.stateDir().toString(), "--no-kubernetes").exitCode();
    }

    @Test
    @Order(4)
    void handMadeChangesAreRestoredAndNothingElseIsTouched() {
        var ns = a.host().namespace();
        ns.ip("route", "add", "10.99.0.0/16", "dev", "eth0", "table", "100");
        ns.ip("rule", "add", "fwmark", "0x1", "lookup", "100", "priority", "50");
        ns.ip("route", "del", b.podAddress(1), "table", "51820");
        ns.ip("rule", "del", "priority", "97");
        a.host().run("wg", "set", "gitwire0", "fwmark", "0");
        a.host().run("wg", "set", "gitwire0", "peer", b.key().publicKey().base64(), "remove");

        Shell.Result repair = bed.apply(a, repo);

        assertThat(repair.exitCode()).as(repair.output()).isZero();
        assertThat(repair.output()).contains("add route " + b.podAddress(1) + "/32 dev gitwire0")
                .contains("add rule 97: not from all fwmark 0x2000/0x2000 lookup 51820")
                .contains("fwmark 0x2000").contains("add peer node-b (" + b.key().publicKey().fingerprint() + "…)");
        assertThat(ns.ip("route", "show", "table", "100")).contains("10.99.0.0/16 dev eth0");
        assertThat(ns.ip("rule", "show")).contains("50:\tfrom all fwmark 0x1 lookup 100");
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
    }

    @Test
    @Order(5)
    void hostEncryptionCarriesNodeTrafficThroughTheTunnelUnderStrictReversePathFiltering() throws Exception {
        bed.writeIntent(repo, Testbed.mesh(true, true, Mode.OPPORTUNISTIC), Set.of("node-c"));
        applyEverywhere();

        assertThat(Testbed.reachable(a.host().namespace(), b.address(), 20)).isTrue();
        Path capture = bed.capture(() -> a.host().namespace().exec("ping", "-c", "5", "-i", "0.2", b.address()));
        assertThat(Testbed.count(capture, "icmp")).isZero();
        assertThat(Testbed.count(capture, "udp port 51820")).isGreaterThanOrEqualTo(10);
        assertThat(a.host().namespace().exec("sysctl", "-n", "net.ipv4.conf.eth0.rp_filter").strip()).isEqualTo("1");
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(2), 10)).isTrue();
    }

    @Test
    @Order(6)
    void disablingTearsDownCleanlyAndTrafficFlowsInPlaintext() throws Exception {
        bed.writeIntent(repo, Testbed.mesh(false, true, Mode.OPPORTUNISTIC), Set.of("node-c"));
        applyEverywhere();

        for (Node node : bed.nodes()) {
            var ns = node.host().namespace();
            assertThat(ns.ip("link", "show")).doesNotContain("gitwire0");
            assertThat(ns.ip("rule", "show")).doesNotContain("lookup 51820");
            Shell.Result table = Shell.tryRun(List.of("ip", "-n", ns.name(), "route", "show", "table", "51820"), null);
            assertThat(table.output()).satisfiesAnyOf(o -> assertThat(o).isEmpty(),
                    o -> assertThat(o).contains("FIB table does not exist"));
            assertThat(ns.exec("nft", "list", "tables")).doesNotContain("gitwire");
            assertThat(ns.exec("sysctl", "-n", "net.ipv4.conf.all.src_valid_mark").strip()).isEqualTo("0");
        }
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 10)).isTrue();
        Path capture = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                "ping", "-c", "3", "-i", "0.2", b.podAddress(1)));
        assertThat(Testbed.count(capture, "icmp and host " + b.podAddress(1))).isGreaterThanOrEqualTo(6);
    }
}
