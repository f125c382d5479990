package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.HandshakeGate;
import dev.gitwire.desired.InventoryCluster;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.Underlay;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Plan;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.source.IntentSource;
import dev.gitwire.source.Revision;
import dev.gitwire.status.NodeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status says, per peer, whether it is routed or waits for its first handshake (issue 13). */
class StatusReportTest {

    private static final BackendChoice BACKEND = new BackendChoice(BackendChoice.KERNEL, "the kernel has WireGuard");

    @TempDir
    Path repo;

    @Test
    void aPeerWaitingForItsFirstHandshakeIsShownAndTheNodeIsDegradedUntilItIsRouted() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        PrivateKey peer = PrivateKey.generate(new SecureRandom());
        Intent on = twoNodes(key, peer);
        String self = "a";
        DesiredDataplane desired = DesiredState.compute(on, InventoryCluster.of(on), new NodeIdentity(self, key),
                new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
        IntentSource.Sourced sourced = new IntentSource.Sourced(on, Revision.parse("main@sha1:" + "ab".repeat(20)),
                Optional.empty(), List.of());

        DesiredDataplane waiting = HandshakeGate.apply(desired, Set.of(), Set.of());
        NodeStatus before = StatusReport.of(self, KeyRotation.KeyLife.unknown(key.publicKey()), waiting, converged(waiting), sourced, 51820, List.of(),
                BACKEND, List.of(), Optional.empty());
        NodeStatus after = StatusReport.of(self, KeyRotation.KeyLife.unknown(key.publicKey()), desired, converged(desired), sourced, 51820, List.of(),
                BACKEND, List.of(), Optional.empty());

        assertThat(before.phase()).isEqualTo(NodeStatus.Phase.Degraded);
        assertThat(before.peers()).isNotEmpty().allMatch(p -> p.state().equals("AwaitingHandshake"));
        assertThat(after.phase()).isEqualTo(NodeStatus.Phase.Ready);
        assertThat(after.peers()).isEmpty(); // only peers left out are listed
        assertThat(after.encrypted()).isEqualTo(1);
        assertThat(before.encrypted()).isZero();
        assertThat(before.meant()).isEqualTo(1);
        assertThat(after.condition("WireguardBackend")).contains(new NodeStatus.Condition("WireguardBackend", "True",
                "Kernel", "the kernel has WireGuard"));
    }

    @Test
    void aPodComingOnAnotherNodeChangesNoNodesStatusSoNoFileOnTheBranch() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        PrivateKey peer = PrivateKey.generate(new SecureRandom());
        Intent on = twoNodes(key, peer);
        LiveCluster live = InventoryCluster.of(on);
        LiveCluster podAdded = live.with("b", n -> new LiveNode(n.name(), n.labels(), n.addresses(),
                List.of(IpAddress.parse("10.240.0.201"), IpAddress.parse("10.240.0.202")),
                n.podCIDRs(), n.advertisedKey(), n.providerId()));
        IntentSource.Sourced sourced = new IntentSource.Sourced(on, Revision.parse("main@sha1:" + "ab".repeat(20)),
                Optional.empty(), List.of());
        NodeStatus[] statuses = new NodeStatus[2];
        LiveCluster[] clusters = {live, podAdded};
        for (int i = 0; i < 2; i++) {
            DesiredDataplane desired = DesiredState.compute(on, clusters[i], new NodeIdentity("a", key),
                    new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
            statuses[i] = StatusReport.of("a", KeyRotation.KeyLife.unknown(key.publicKey()), desired, converged(desired), sourced, 51820, List.of(),
                    BACKEND, List.of(), Optional.empty());
        }
        assertThat(statuses[1].dataplane().orElseThrow().allowedIps())
                .isEqualTo(statuses[0].dataplane().orElseThrow().allowedIps() + 1);
        // the node's own totals moved; the per-peer part, the one that grew with the cluster, did not
        assertThat(statuses[1].peers()).isEqualTo(statuses[0].peers()).isEmpty();
        assertThat(statuses[1].encrypted()).isEqualTo(statuses[0].encrypted()).isEqualTo(1);
    }

    /** Issue 26 point 1: a node refused for a key another node holds is a condition of the status, with its name. */
    @Test
    void aNodePublishingAnotherNodesKeyIsAConditionOfTheStatus() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        PrivateKey peer = PrivateKey.generate(new SecureRandom());
        Intent on = twoNodes(key, peer);
        LiveCluster live = InventoryCluster.of(on);
        Map<String, LiveNode> nodes = new TreeMap<>(live.nodes());
        nodes.put("c", new LiveNode("c", Map.of(),
                List.of(IpAddress.parse("10.240.0.30")), List.of(), List.of(),
                Optional.of(peer.publicKey()), Optional.empty()));
        Intent everyNode = new Intent(new MeshIntent(on.mesh().name(), true, on.mesh().mode(),
                on.mesh().routeSource(), false, Membership.CLUSTER, on.mesh().nodeSelector(),
                List.of(), List.of(Cidr.parse("10.240.0.0/16")), on.mesh().workloadInterfaces(),
                on.mesh().wireguard(), on.mesh().routing()), on.nodes());
        DesiredDataplane desired = DesiredState.compute(everyNode, new LiveCluster(nodes), new NodeIdentity("a", key),
                new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
        IntentSource.Sourced sourced = new IntentSource.Sourced(everyNode, Revision.parse("main@sha1:" + "ab".repeat(20)),
                Optional.empty(), List.of());

        NodeStatus status = StatusReport.of("a", KeyRotation.KeyLife.unknown(key.publicKey()), desired, converged(desired), sourced, 51820, List.of(),
                BACKEND, List.of(), Optional.empty());

        assertThat(status.condition("PeerKeysUnique")).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo("False");
            assertThat(c.reason()).isEqualTo("DuplicateKey");
            assertThat(c.message()).startsWith("1 nodes publish a public key").endsWith(": c");
        });
        assertThat(status.phase()).isEqualTo(NodeStatus.Phase.Degraded);
    }

    /** Nodes a and b, each with one workload IP and its key pinned. */
    private Intent twoNodes(PrivateKey key, PrivateKey peer) throws Exception {
        Files.writeString(repo.resolve("mesh.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: true\n");
        Files.createDirectories(repo.resolve("nodes"));
        for (String[] node : new String[][] {{"a", "10", key.publicKey().base64()}, {"b", "20", peer.publicKey().base64()}}) {
            Files.writeString(repo.resolve("nodes/" + node[0] + ".yaml"), "apiVersion: gitwire.dev/v1alpha1\n"
                    + "kind: MeshNode\nmetadata:\n  name: " + node[0] + "\nspec:\n  addresses: [10.240.0." + node[1]
                    + "]\n  workloadIPs: [10.240.0." + node[1] + "1]\n  wireguard:\n    publicKey: " + node[2] + "\n");
        }
        return new IntentReader().read(new DirectoryTree(repo)).intent().orElseThrow();
    }

    private static Reconciler.Outcome converged(DesiredDataplane target) {
        return new Reconciler.Outcome(target, new Plan(List.of()), new Plan(List.of()), Optional.empty(),
                ObservedDataplane.empty(), Optional.empty(), List.of(), Map.of(), Map.of());
    }
}
