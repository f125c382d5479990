package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.PingWatch;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent SIGKILLed at random points of a reconcile, twenty times (issue 15): each time a commit that
 * changes much (host encryption on or off: routes, guard, nft tables, sysctl) is being applied. After every
 * restart it converges, and between the two encrypted pods not one echo request crosses in plaintext.
 */
@Privileged
class KillNineEndToEndIT {

    private static final int ROUNDS = 20;

    @Test
    void killedMidReconcileItAlwaysConvergesAndNeverSendsPlaintextToAPeer() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, true, Mode.OPPORTUNISTIC), Set.of());
            Process agentA = start(bed, a, repo);
            start(bed, b, repo);
            assertThat(Testbed.routesIntoTunnel(a, b, 30_000) && Testbed.routesIntoTunnel(b, a, 30_000)).isTrue();
            Random random = new Random(20261202);
            try (PingWatch watch = new PingWatch(bed, bed.pod(a.podAddress(1)), b.podAddress(1))) {
                for (int round = 1; round <= ROUNDS; round++) {
                    bed.writeIntent(repo, Testbed.mesh(true, round % 2 == 0, Mode.OPPORTUNISTIC), Set.of());
                    Testbed.agentHttp(a, "POST", "/reconcile");
                    Thread.sleep(random.nextInt(400)); // somewhere in reading, planning or applying
                    agentA.destroyForcibly();
                    assertThat(agentA.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    agentA = start(bed, a, repo);
                    int number = round;
                    assertThat(Testbed.eventually(30_000, () -> Testbed.agentHttp(a, "GET", "/readyz")
                            .endsWith("200"))).as("round %d converges after the restart:%n%s", number, bed.log(a))
                            .isTrue();
                    assertThat(Testbed.routesIntoTunnel(a, b, 10_000)).as("round %d", number).isTrue();
                }
                PingWatch.Result seen = watch.stop();
                long plaintext = Testbed.count(seen.capture(), "icmp and host " + a.podAddress(1) + " and host "
                        + b.podAddress(1));
                System.out.printf("kill -9: %d rounds, %d of %d echo requests lost, %d in plaintext%n", ROUNDS,
                        seen.lost(), seen.transmitted(), plaintext);
                assertThat(plaintext).isZero();
            }
        }
    }

    private static Process start(Testbed bed, Node node, Path repo) throws IOException {
        return bed.startGitwire(node, "run", "--allow-unsigned", "--repo", repo.toString(), "--node", node.name(), "--state-dir",
                node.stateDir().toString(), "--no-kubernetes", "--interval", "30s");
    }
}
