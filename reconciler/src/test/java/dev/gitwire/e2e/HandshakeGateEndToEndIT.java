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
 * The gate as a user of one-shot commands sees it (issue 13): a node that applies while its peer has not
 * routes nothing into the tunnel, says so, and exits 0; once the peer has applied, the handshake routes it.
 */
@Privileged
class HandshakeGateEndToEndIT {

    @Test
    void aPeerIsRoutedOnlyOnceAHandshakeProvesBothSidesHaveTheKeys() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of());

            Shell.Result plan = bed.gitwire(a, "plan", "--repo", repo.toString(), "--node", "node-a", "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes", "--output", "json");
            JsonNode planned = new ObjectMapper().readTree(plan.output().substring(plan.output().indexOf('{')));
            assertThat(planned.get("awaitingHandshake").toString()).isEqualTo("[\"node-b\"]");
            assertThat(planned.get("counts").get("InstallGuard").asInt()).isEqualTo(1);

            Shell.Result alone = bed.gitwire(a, "apply", "--repo", repo.toString(), "--node", "node-a", "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes", "--handshake-timeout", "1s");
            assertThat(alone.exitCode()).as(alone.output()).isZero();
            assertThat(alone.output()).contains("awaiting a first handshake, not routed into the tunnel yet: node-b")
                    .contains("guard: 0 destinations");
            assertThat(table(a)).contains("throw " + b.podAddress(1));
            assertThat(a.host().run("wg", "show", "gitwire0", "persistent-keepalive")).contains("5");
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 5)).as("plaintext meanwhile")
                    .isTrue();

            Shell.Result second = bed.apply(b, repo); // node-a has node-b's key: the handshake completes at once
            assertThat(second.exitCode()).as(second.output()).isZero();
            assertThat(second.output()).doesNotContain("awaiting").contains("guard: 1 destination never leaves");
            assertThat(table(b)).contains(a.podAddress(1) + " dev gitwire0");

            Shell.Result again = bed.apply(a, repo);
            assertThat(again.output()).doesNotContain("awaiting").contains("guard 10.240.0.21/32")
                    .contains("update peer");
            assertThat(table(a)).contains(b.podAddress(1) + " dev gitwire0");
            assertThat(a.host().run("wg", "show", "gitwire0", "persistent-keepalive")).contains("off");
            Path capture = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping",
                    "-c", "3", "-i", "0.2", b.podAddress(1)));
            assertThat(Testbed.count(capture, "icmp")).isZero();
        }
    }

    private static String table(Node node) {
        return Shell.tryRun(List.of("ip", "-n", node.host().namespace().name(), "route", "show", "table", "51820"), null)
                .output();
    }
}
