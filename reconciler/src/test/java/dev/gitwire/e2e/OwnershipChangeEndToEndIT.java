package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.RoutingSettings;
import dev.gitwire.intent.WireguardSettings;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An intent that renames the device and renumbers the table and rule (as an operator does to step out of another
 * agent's way, or at the upgrade that changed gitwire's defaults): the old device, rule and routes are removed, the
 * new ones set up, and the pods are reached encrypted again.
 */
@Privileged
class OwnershipChangeEndToEndIT {

    @Test
    void aRenamedDeviceAndRenumberedRuleReplaceTheOldOnesInsteadOfClashingWithThem() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = Files.createDirectories(bed.root().resolve("repo"));
            MeshIntent before = Testbed.mesh(true, false, Mode.STRICT);
            bed.writeIntent(repo, before, Set.of());
            assertThat(bed.applyEverywhere(repo).values()).allSatisfy(r -> assertThat(r.exitCode()).as(r.output()).isZero());
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();

            WireguardSettings wg = WireguardSettings.DEFAULT;
            MeshIntent after = new MeshIntent(before.name(), true, before.mode(), before.routeSource(), false,
                    before.membership(), before.nodeSelector(), before.bypass(), before.workloadNetworks(),
                    before.workloadInterfaces(), new WireguardSettings("wg-renamed", wg.listenPort(), 0x4_0000L, wg.mtu(),
                            wg.persistentKeepalive(), wg.keyRotation(), wg.postQuantum()), new RoutingSettings(51821, 96));
            bed.writeIntent(repo, after, Set.of());
            Map<String, Shell.Result> applied = bed.applyEverywhere(repo);
            if (applied.values().stream().anyMatch(r -> r.exitCode() != 0)) { // the peers' first handshake again
                applied = bed.applyEverywhere(repo);
            }
            assertThat(applied.values()).allSatisfy(r -> assertThat(r.exitCode()).as(r.output()).isZero());

            for (Node node : bed.nodes()) {
                String links = node.host().namespace().ip("link", "show");
                assertThat(links).contains("wg-renamed").doesNotContain(Testbed.DEVICE);
                assertThat(node.host().namespace().ip("rule", "show")).contains("96:").doesNotContain("97:");
                assertThat(node.host().namespace().ip("route", "show", "table", "51820")).isBlank();
                assertThat(node.host().namespace().ip("route", "show", "table", "51821")).contains("dev wg-renamed");
            }
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
            Path capture = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-c",
                    "4", "-i", "0.2", b.podAddress(1)));
            assertThat(Testbed.count(capture, "icmp")).isZero();
            assertThat(Testbed.count(capture, "udp port 51820")).isGreaterThanOrEqualTo(8);
        }
    }
}
