package dev.gitwire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.InventoryCluster;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.Underlay;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Plan;
import dev.gitwire.plan.Planner;
import dev.gitwire.source.DirectoryTree;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `gitwire plan` prints: the counts by kind, then one line a change, a peer by its node's name and key. */
class PlanTextTest {

    private static final PrivateKey A = PrivateKey.of(seed(1));
    private static final PrivateKey B = PrivateKey.of(seed(2));

    @TempDir
    Path repo;

    @Test
    void aFirstApplyIsCountedByKindAndEachPeerIsNamedByItsNode() throws Exception {
        DesiredDataplane desired = desired();
        Plan plan = Planner.diff(ObservedDataplane.empty(), desired);
        StringWriter text = new StringWriter();

        PlanText.print(new PrintWriter(text, true), plan, desired);

        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(0)).startsWith(plan.size() + " changes: ");
        assertThat(lines).hasSize(1 + plan.size());
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("b (" + B.publicKey().fingerprint() + "…)"));
        assertThat(text.toString()).doesNotContain(A.base64()).doesNotContain(B.base64());
    }

    @Test
    void nothingToChangeIsOneLine() throws Exception {
        StringWriter text = new StringWriter();
        DesiredDataplane desired = desired();

        PlanText.print(new PrintWriter(text, true), new Plan(List.of()), desired);

        assertThat(text.toString().strip()).isEqualTo("0 changes");
    }

    private DesiredDataplane desired() throws Exception {
        Files.writeString(repo.resolve("mesh.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: true\n");
        Files.createDirectories(repo.resolve("nodes"));
        for (String[] node : new String[][] {{"a", "10", A.publicKey().base64()}, {"b", "20", B.publicKey().base64()}}) {
            Files.writeString(repo.resolve("nodes/" + node[0] + ".yaml"), "apiVersion: gitwire.dev/v1alpha1\n"
                    + "kind: MeshNode\nmetadata:\n  name: " + node[0] + "\nspec:\n  addresses: [10.240.0." + node[1]
                    + "]\n  workloadIPs: [10.240.1." + node[1] + "]\n  wireguard:\n    publicKey: " + node[2] + "\n");
        }
        Intent intent = new IntentReader().read(new DirectoryTree(repo)).intent().orElseThrow();
        return DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity("a", A),
                new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
    }

    private static byte[] seed(int seed) {
        byte[] raw = new byte[32];
        raw[1] = (byte) seed;
        return raw;
    }
}
