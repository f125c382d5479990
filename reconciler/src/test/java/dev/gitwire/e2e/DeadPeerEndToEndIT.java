package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.PingWatch;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 31 point 2: a routed peer whose WireGuard traffic the path silently drops (nft on the bridge, no ICMP) is
 * re-initiated, recreated and reported unreachable, while the guard keeps dropping: no packet leaves in plaintext;
 * once the path is back, a handshake comes within a bounded time and the report clears. `--dead-peer-after 10s`
 * instead of WireGuard's 180 s, so that the test takes a minute, not four.
 */
@Privileged
class DeadPeerEndToEndIT {

    private static final String UNREACHABLE = "gitwire_peer_unreachable{peer=\"node-b\"} 1";

    @Test
    void aPeerBehindAPathThatDropsWireguardIsRepairedAndReportedWithoutPlaintext() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.STRICT), Set.of());
            for (Node node : bed.nodes()) {
                bed.startGitwire(node, "run", "--allow-unsigned", "--repo", repo.toString(), "--node", node.name(),
                        "--state-dir", node.stateDir().toString(), "--no-kubernetes", "--interval", "2s",
                        "--dead-peer-after", "10s");
            }
            assertThat(Testbed.routesIntoTunnel(a, b, 30_000) && Testbed.routesIntoTunnel(b, a, 30_000))
                    .as("%s%n%s", bed.log(a), bed.log(b)).isTrue();

            try (PingWatch watch = new PingWatch(bed, bed.pod(a.podAddress(1)), b.podAddress(1))) {
                Path drop = Files.writeString(bed.root().resolve("pathdrop.nft"), "table bridge pathdrop {\n"
                        + " chain forward {\n  type filter hook forward priority 0;\n  udp dport 51820 drop\n"
                        + "  udp sport 51820 drop\n }\n}\n");
                bed.fabric().exec("nft", "-f", drop.toString());
                assertThat(Testbed.eventually(90_000, () -> Testbed.agentHttp(a, "GET", "/metrics")
                        .contains(UNREACHABLE))).as("reported unreachable:%n%s", bed.log(a)).isTrue();
                String metrics = Testbed.agentHttp(a, "GET", "/metrics");
                assertThat(metrics).as("re-initiated, then recreated, before the report")
                        .containsPattern("gitwire_kernel_operations_total\\{kind=\"RemovePeer\"} [1-9]");
                assertThat(bed.log(a)).containsOnlyOnce("peer-unreachable");
                assertThat(Testbed.routesIntoTunnel(a, b.podAddress(1))).as("still routed into the tunnel, not around it")
                        .isTrue();

                bed.fabric().exec("nft", "delete", "table", "bridge", "pathdrop");
                long restored = System.nanoTime();
                assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 30))
                        .as("repaired once the path is back:%n%s", bed.log(a)).isTrue();
                long repairedMillis = (System.nanoTime() - restored) / 1_000_000;
                assertThat(Testbed.eventually(20_000, () -> !Testbed.agentHttp(a, "GET", "/metrics")
                        .contains(UNREACHABLE))).as("the report clears").isTrue();
                PingWatch.Result seen = watch.stop();
                long plaintext = Testbed.count(seen.capture(), "icmp");
                System.out.printf("dead peer: reported and repaired; back %d ms after the path; %d of %d echo"
                        + " requests lost, %d in plaintext%n", repairedMillis, seen.lost(), seen.transmitted(), plaintext);
                assertThat(plaintext).as("no echo request or reply in plaintext on the bridge, ever").isZero();
            }
        }
    }
}
