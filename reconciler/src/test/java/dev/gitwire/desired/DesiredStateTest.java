package dev.gitwire.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.desired.PeerReport.State;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.model.Route;
import dev.gitwire.model.Rule;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.testing.IntentFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStateTest {

    private static final PrivateKey A = key(1);
    private static final PrivateKey B = key(2);
    private static final PrivateKey C = key(3);
    private static final Underlay ETH0 = new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4);

    @TempDir
    Path repo;

    private static PrivateKey key(int seed) {
        byte[] raw = new byte[32];
        raw[1] = (byte) seed; // not raw[0]: clamping clears its low bits
        return PrivateKey.of(raw);
    }

    private Intent intent(String meshSpec, String... nodes) throws IOException {
        Files.writeString(repo.resolve("mesh.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: true\n" + meshSpec);
        Files.createDirectories(repo.resolve("nodes"));
        try (var old = Files.list(repo.resolve("nodes"))) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        for (String node : nodes) {
            String name = node.substring(0, node.indexOf('|'));
            Files.writeString(repo.resolve("nodes/" + name + ".yaml"), "apiVersion: gitwire.dev/v1alpha1\n"
                    + "kind: MeshNode\nmetadata:\n  name: " + name + "\nspec:\n" + node.substring(node.indexOf('|') + 1));
        }
        IntentReader.Result result = new IntentReader().read(new DirectoryTree(repo));
        assertThat(result.errors()).isEmpty();
        return result.intent().orElseThrow();
    }

    private static String node(String name, int octet, PrivateKey pin, String extra) {
        return name + "|  addresses: [10.240.0." + octet + "]\n  workloadIPs: [10.240.0." + (octet + 1) + ", 10.240.0."
                + (octet + 2) + "]\n" + (pin == null ? "" : "  wireguard:\n    publicKey: " + pin.publicKey().base64()
                + "\n" + extra) + (pin == null ? extra : "");
    }

    private static DesiredDataplane compute(Intent intent, String self, PrivateKey key) {
        return DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity(self, key), ETH0,
                List.of(Cidr.parse("10.240.0.250/32")));
    }

    @Test
    void peersGetEveryWorkloadAndTheirAddressAsAllowedIpsAndRoutesForWorkloads() throws IOException {
        Intent intent = intent("", node("a", 10, A, ""), node("b", 20, B, ""));
        DesiredDataplane d = compute(intent, "a", A);

        assertThat(d.wireguard().orElseThrow().peers()).singleElement().satisfies(p -> {
            assertThat(p.publicKey()).isEqualTo(B.publicKey());
            assertThat(p.endpoint()).contains(new Endpoint(IpAddress.parse("10.240.0.20"), 51820));
            assertThat(p.allowedIps()).containsExactly(Cidr.parse("10.240.0.20/32"), Cidr.parse("10.240.0.21/32"),
                    Cidr.parse("10.240.0.22/32"));
        });
        assertThat(d.routes()).containsExactly(
                Route.throwing(Cidr.parse("10.240.0.11/32")), Route.throwing(Cidr.parse("10.240.0.12/32")),
                Route.device(Cidr.parse("10.240.0.21/32"), "gitwire0"),
                Route.device(Cidr.parse("10.240.0.22/32"), "gitwire0"),
                Route.throwing(Cidr.parse("10.240.0.250/32")));
        assertThat(d.rules()).containsExactly(Rule.unmarkedTo(IpFamily.IPV4, 97, 0x2000, 51820));
        assertThat(d.nftTables()).isEmpty();
        assertThat(d.sysctls()).isEmpty();
        assertThat(d.wireguard().orElseThrow().mtu()).isEqualTo(new MtuChoice(1440, "eth0 MTU 1500 minus 60 for an IPv4 underlay"));
    }

    @Test
    void hostEncryptionRoutesNodeAddressesAndMarksForReversePathFiltering() throws IOException {
        Intent intent = intent("  hostEncryption: true\n", node("a", 10, A, ""), node("b", 20, B, ""));
        DesiredDataplane d = compute(intent, "a", A);
        assertThat(d.routes()).contains(Route.device(Cidr.parse("10.240.0.20/32"), "gitwire0"));
        assertThat(d.nftTables()).hasSize(2);
        assertThat(d.sysctls()).isEqualTo(Map.of(DesiredState.SRC_VALID_MARK, "1"));
    }

    @Test
    void aMixedClusterReachesNodesWithoutWireguardInPlaintextOrNotAtAllInStrictMode() throws IOException {
        String disabled = "  wireguard:\n    enabled: false\n";
        Intent opportunistic = intent("", node("a", 10, A, ""), node("c", 30, null, disabled), node("d", 40, null, ""));
        DesiredDataplane d = compute(opportunistic, "a", A);
        assertThat(d.wireguard().orElseThrow().peers()).isEmpty();
        assertThat(d.reports()).extracting(PeerReport::state).containsExactly(State.DISABLED, State.NO_KEY);
        assertThat(d.routes()).contains(Route.throwing(Cidr.parse("10.240.0.31/32")),
                Route.throwing(Cidr.parse("10.240.0.41/32")));

        Intent strict = intent("  mode: Strict\n", node("a", 10, A, ""), node("c", 30, null, disabled));
        assertThat(compute(strict, "a", A).routes()).contains(Route.prohibit(Cidr.parse("10.240.0.31/32")))
                .doesNotContain(Route.throwing(Cidr.parse("10.240.0.31/32")));
    }

    @Test
    void duplicateAndMismatchedKeysAreNeverTrusted() throws IOException {
        Intent intent = intent("", node("a", 10, A, ""), node("b", 20, null, ""), node("c", 30, null, ""));
        LiveCluster sameKey = InventoryCluster.of(intent);
        for (String name : List.of("b", "c")) {
            sameKey = sameKey.with(name, n -> new LiveNode(n.name(), n.labels(), n.addresses(), n.workloadIPs(),
                    n.podCIDRs(), Optional.of(C.publicKey()), n.providerId()));
        }
        assertThat(DesiredState.compute(intent, sameKey, new NodeIdentity("a", A), ETH0, List.of()).reports())
                .extracting(PeerReport::state).containsExactly(State.DUPLICATE_KEY, State.DUPLICATE_KEY);

        Intent pinned = intent("", node("a", 10, A, ""), node("b", 20, B, ""));
        LiveCluster live = InventoryCluster.of(pinned).with("b", n -> new LiveNode(n.name(), n.labels(),
                n.addresses(), n.workloadIPs(), n.podCIDRs(), Optional.of(C.publicKey()), n.providerId()));
        DesiredDataplane d = DesiredState.compute(pinned, live, new NodeIdentity("a", A), ETH0, List.of());
        assertThat(d.reports()).singleElement().extracting(PeerReport::state).isEqualTo(State.KEY_MISMATCH);
        assertThat(d.wireguard().orElseThrow().peers()).isEmpty();
    }

    /** Issue 31: a pinned key moves by a commit of nextPublicKey; either pin is trusted, nothing else. */
    @Test
    void aNodeIsPeeredWithItsNextPinOnceItPublishesItAndWithNoThirdKey() throws IOException {
        Intent moving = intent("", node("a", 10, A, ""), node("b", 20, B, "    nextPublicKey: "
                + C.publicKey().base64() + "\n"));
        for (PrivateKey published : List.of(B, C)) {
            DesiredDataplane d = DesiredState.compute(moving, advertising(InventoryCluster.of(moving), "b", published),
                    new NodeIdentity("a", A), ETH0, List.of());
            assertThat(d.reports()).singleElement().satisfies(r -> {
                assertThat(r.state()).isEqualTo(State.PEERED);
                assertThat(r.key()).contains(published.publicKey());
            });
        }
        DesiredDataplane silent = DesiredState.compute(moving, InventoryCluster.of(moving), new NodeIdentity("a", A), ETH0,
                List.of());
        assertThat(silent.reports()).singleElement().satisfies(r -> assertThat(r.key()).as("no advertisement: the"
                + " commit is the switch").contains(C.publicKey()));
        DesiredDataplane stranger = DesiredState.compute(moving, advertising(InventoryCluster.of(moving), "b", key(4)),
                new NodeIdentity("a", A), ETH0, List.of());
        assertThat(stranger.reports()).singleElement().extracting(PeerReport::state).isEqualTo(State.KEY_MISMATCH);
        assertThat(stranger.wireguard().orElseThrow().peers()).isEmpty();
    }

    private static LiveCluster advertising(LiveCluster live, String node, PrivateKey key) {
        return live.with(node, n -> new LiveNode(n.name(), n.labels(), n.addresses(), n.workloadIPs(), n.podCIDRs(),
                Optional.of(key.publicKey()), n.providerId()));
    }

    private static String unlisted(String name, int octet, PrivateKey pin) {
        return name + "|  addresses: [10.240.0." + octet + "]\n  wireguard:\n    publicKey: " + pin.publicKey().base64() + "\n";
    }

    private static LiveCluster withPods(LiveCluster live, String node, String... pods) {
        return live.with(node, n -> new LiveNode(n.name(), n.labels(), n.addresses(),
                Arrays.stream(pods).map(IpAddress::parse).toList(), n.podCIDRs(), n.advertisedKey(),
                n.providerId()));
    }

    private static Cidr host(String ip) {
        return Cidr.parse(ip + "/32");
    }

    /**
     * Node c (compromised) publishes node b's key as its own. Neither pinned, no precedent: no one can tell the
     * holder, so both are refused, and b's destinations stay guarded (Opportunistic mode threw them, to plaintext).
     */
    @Test
    void aKeyPublishedByTwoNodesNeverReleasesTheirDestinations() throws IOException {
        Intent intent = intent("", node("a", 10, A, ""), node("b", 20, null, ""), node("c", 30, null, ""));
        LiveCluster hijacked = advertising(advertising(InventoryCluster.of(intent), "b", B), "c", B);

        DesiredDataplane d = DesiredState.compute(intent, hijacked, new NodeIdentity("a", A), ETH0, List.of());

        assertThat(d.reports()).extracting(PeerReport::state).containsExactly(State.DUPLICATE_KEY, State.DUPLICATE_KEY);
        assertThat(d.routes()).contains(Route.prohibit(host("10.240.0.21")), Route.prohibit(host("10.240.0.22")),
                Route.prohibit(host("10.240.0.31")));
        assertThat(d.guard().orElseThrow().destinations()).contains(host("10.240.0.21"), host("10.240.0.22"));
    }

    /** The node that held the key keeps it (its pin, the device's peer of it, or this node's own key); only c is refused. */
    @Test
    void aKeyPublishedByTwoNodesStaysWithItsHolder() throws IOException {
        Intent pinned = intent("", node("a", 10, A, ""), node("b", 20, B, ""), node("c", 30, null, ""));
        DesiredDataplane d = DesiredState.compute(pinned, advertising(InventoryCluster.of(pinned), "c", B),
                new NodeIdentity("a", A), ETH0, List.of());
        assertThat(d.reports()).extracting(PeerReport::state).containsExactly(State.PEERED, State.DUPLICATE_KEY);
        assertThat(d.routes()).contains(Route.device(host("10.240.0.21"), "gitwire0"),
                Route.prohibit(host("10.240.0.31")));

        Intent unpinned = intent("", node("a", 10, A, ""), node("b", 20, null, ""), node("c", 30, null, ""));
        LiveCluster hijacked = advertising(advertising(InventoryCluster.of(unpinned), "b", B), "c", B);
        DesiredDataplane before = DesiredState.compute(unpinned, advertising(InventoryCluster.of(unpinned), "b", B),
                new NodeIdentity("a", A), ETH0, List.of());
        Precedent device = Precedent.of(before.wireguard().orElseThrow().peers());
        DesiredDataplane after = DesiredState.compute(unpinned, hijacked, new NodeIdentity("a", A), ETH0, List.of(), device);
        assertThat(after.reports()).extracting(PeerReport::state).containsExactly(State.PEERED, State.DUPLICATE_KEY);
        assertThat(after.wireguard().orElseThrow().peers()).singleElement()
                .satisfies(p -> assertThat(p.endpoint().orElseThrow().address()).isEqualTo(IpAddress.parse("10.240.0.20")));

        DesiredDataplane mine = DesiredState.compute(unpinned, advertising(InventoryCluster.of(unpinned), "c", A),
                new NodeIdentity("a", A), ETH0, List.of());
        assertThat(mine.reports()).extracting(PeerReport::state).containsExactly(State.NO_KEY, State.DUPLICATE_KEY);
        assertThat(mine.routes()).contains(Route.prohibit(host("10.240.0.31")));
    }

    /**
     * A pod of node c claims b's pod IP 10.240.0.21: with no precedent it is routed to neither, and stays
     * prohibited and guarded (on main it had no route at all, and left in plaintext, Strict mode too).
     * With the device's precedent, b keeps it.
     */
    @Test
    void aContestedPodIpStaysGuardedOrWithItsHolder() throws IOException {
        for (String mode : List.of("", "  mode: Strict\n")) {
            // pod IPs from the API, as with Kubernetes: the inventory lists none
            Intent intent = intent(mode, unlisted("a", 10, A), unlisted("b", 20, B), unlisted("c", 30, C));
            LiveCluster podless = InventoryCluster.of(intent);
            LiveCluster before = withPods(withPods(withPods(podless, "a", "10.240.0.11"), "b", "10.240.0.21"), "c",
                    "10.240.0.31");
            LiveCluster contested = withPods(before, "c", "10.240.0.31", "10.240.0.21");

            DesiredDataplane d = DesiredState.compute(intent, contested, new NodeIdentity("a", A), ETH0, List.of());
            assertThat(d.routes()).contains(Route.prohibit(host("10.240.0.21")));
            assertThat(d.guard().orElseThrow().destinations()).contains(host("10.240.0.21"));

            Precedent device = Precedent.of(DesiredState.compute(intent, before, new NodeIdentity("a", A), ETH0, List.of())
                    .wireguard().orElseThrow().peers());
            DesiredDataplane kept = DesiredState.compute(intent, contested, new NodeIdentity("a", A), ETH0, List.of(),
                    device);
            assertThat(kept.routes()).contains(Route.device(host("10.240.0.21"), "gitwire0"));
            assertThat(kept.tunnelled().get(B.publicKey())).contains(host("10.240.0.21"));
            assertThat(kept.tunnelled().get(C.publicKey())).doesNotContain(host("10.240.0.21"));

            // b, a claimant, keeps its own pod local: no prohibit of its own pod in its table
            DesiredDataplane onB = DesiredState.compute(intent, contested, new NodeIdentity("b", B), ETH0, List.of());
            assertThat(onB.routes()).doesNotContain(Route.prohibit(host("10.240.0.21")));
        }
    }

    /**
     * Issue 28 point 10: the AKS example takes the cluster's nodes as the API lists them, through its node selector:
     * a VMSS instance the autoscaler adds is peered without a commit, a node of another pool is not.
     */
    @Test
    void theAksExamplePeersTheNodeTheAutoscalerAddsAndNotAnotherPools() throws IOException {
        Intent example = new IntentReader().read(new DirectoryTree(
                IntentFixtures.examplesRepo())).intent().orElseThrow();
        MeshIntent m = example.mesh();
        Intent enabled = new Intent(new MeshIntent(m.name(), true, m.mode(), m.routeSource(),
                m.hostEncryption(), m.membership(), m.nodeSelector(), m.bypass(), m.workloadNetworks(),
                m.workloadInterfaces(), m.wireguard(), m.routing()), example.nodes());
        Map<String, LiveNode> nodes = new TreeMap<>(InventoryCluster.of(enabled).nodes());
        PrivateKey added = key(7);
        nodes.put("aks-nodepool1-12345678-vmss00000a", new LiveNode("aks-nodepool1-12345678-vmss00000a",
                Map.of("agentpool", "nodepool1"), List.of(IpAddress.parse("10.240.0.40")),
                List.of(IpAddress.parse("10.240.0.41")), List.of(), Optional.of(added.publicKey()), Optional.empty()));
        nodes.put("akswin000000", new LiveNode("akswin000000", Map.of("agentpool", "winpool"),
                List.of(IpAddress.parse("10.240.0.50")), List.of(), List.of(), Optional.of(key(8).publicKey()),
                Optional.empty()));

        DesiredDataplane d = DesiredState.compute(enabled, new LiveCluster(nodes),
                new NodeIdentity("aks-nodepool1-12345678-vmss000000", A), ETH0, List.of());

        assertThat(d.reports()).anySatisfy(r -> {
            assertThat(r.node()).isEqualTo("aks-nodepool1-12345678-vmss00000a");
            assertThat(r.state()).isIn(PeerReport.State.PEERED, PeerReport.State.AWAITING_HANDSHAKE);
        }).anySatisfy(r -> {
            assertThat(r.node()).isEqualTo("akswin000000");
            assertThat(r.state()).isEqualTo(PeerReport.State.NOT_SELECTED);
        });
        assertThat(d.wireguard().orElseThrow().peers()).anySatisfy(p -> {
            assertThat(p.publicKey()).isEqualTo(added.publicKey());
            assertThat(p.allowedIps()).contains(Cidr.parse("10.240.0.41/32"));
        });
    }

    /**
     * Strict mode prohibits every destination of the workload networks that is not tunnelled, local or bypassed: a
     * node the inventory does not list (the autoscaler's) is not reached in plaintext. Node addresses stay reachable
     * when host traffic is not encrypted; the catch-all is not in the guard (it holds this node's pods).
     */
    @Test
    void strictModeProhibitsTheRestOfTheWorkloadNetworks() throws IOException {
        Intent intent = intent("  mode: Strict\n  workloadNetworks: [10.240.0.0/16]\n", node("a", 10, A, ""),
                node("b", 20, B, ""));
        Map<String, LiveNode> nodes = new TreeMap<>(InventoryCluster.of(intent).nodes());
        nodes.put("new", new LiveNode("new", Map.of(), List.of(IpAddress.parse("10.240.0.40")),
                List.of(IpAddress.parse("10.240.0.41")), List.of(), Optional.empty(), Optional.empty()));

        DesiredDataplane d = DesiredState.compute(intent, new LiveCluster(nodes), new NodeIdentity("a", A), ETH0,
                List.of());

        assertThat(d.routes()).contains(Route.prohibit(Cidr.parse("10.240.0.0/16")), Route.throwing(host("10.240.0.40")),
                Route.throwing(host("10.240.0.20")), Route.throwing(host("10.240.0.11")),
                Route.device(host("10.240.0.21"), "gitwire0"));
        assertThat(d.routes()).doesNotContain(Route.throwing(host("10.240.0.41")));
        assertThat(d.guard().orElseThrow().destinations()).doesNotContain(Cidr.parse("10.240.0.0/16"));

        Intent opportunistic = intent("  workloadNetworks: [10.240.0.0/16]\n", node("a", 10, A, ""), node("b", 20, B, ""));
        assertThat(DesiredState.compute(opportunistic, new LiveCluster(nodes), new NodeIdentity("a", A), ETH0, List.of())
                .routes()).doesNotContain(Route.prohibit(Cidr.parse("10.240.0.0/16")));
    }

    /**
     * The agent's own Git or API server keeps out of the tunnel, but a DNS answer naming a peer's pod or address
     * (a hostile resolver, or the server run as a pod) does not take that destination out: on main it did, to
     * plaintext. It is routed as the mesh routes it, and reported.
     */
    @Test
    void aControlPlaneAddressFromDnsNeverTakesAPeersDestinationOutOfTheTunnel() throws IOException {
        Intent intent = intent("", node("a", 10, A, ""), node("b", 20, B, ""));
        DesiredDataplane server = DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity("a", A),
                ETH0, List.of(Cidr.parse("10.240.0.250/32")));
        assertThat(server.routes()).contains(Route.throwing(Cidr.parse("10.240.0.250/32")));
        assertThat(server.refusedBypass()).isEmpty();

        for (String hostile : List.of("10.240.0.22/32", "10.240.0.20/32", "10.240.0.16/28")) {
            DesiredDataplane d = DesiredState.compute(intent, InventoryCluster.of(intent),
                    new NodeIdentity("a", A), ETH0, List.of(Cidr.parse(hostile)));
            assertThat(d.routes()).as(hostile).doesNotContain(Route.throwing(Cidr.parse(hostile)))
                    .contains(Route.device(Cidr.parse("10.240.0.21/32"), "gitwire0"),
                            Route.device(Cidr.parse("10.240.0.22/32"), "gitwire0"));
            assertThat(d.tunnelled().get(B.publicKey())).as(hostile)
                    .containsExactly(Cidr.parse("10.240.0.21/32"), Cidr.parse("10.240.0.22/32"));
            assertThat(d.refusedBypass()).singleElement().asString().contains(hostile).contains("destination of node b");
        }
    }

    @Test
    void theMtuFollowsTheUnderlayAndAzure() throws IOException {
        Intent intent = intent("  hostEncryption: true\n", node("a", 10, A, ""), node("b", 20, B, ""));
        LiveCluster azure = InventoryCluster.of(intent).with("a", n -> new LiveNode(n.name(), n.labels(),
                n.addresses(), n.workloadIPs(), n.podCIDRs(), n.advertisedKey(), Optional.of("azure:///subscriptions/x")));
        MtuChoice mtu = DesiredState.compute(intent, azure, new NodeIdentity("a", A), ETH0, List.of())
                .wireguard().orElseThrow().mtu();
        assertThat(mtu.mtu()).isEqualTo(1340);
        assertThat(mtu.reason()).contains("minus 100 on AKS with host encryption");

        MtuChoice v6 = DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity("a", A),
                new Underlay(Optional.of("eth0"), 9000, IpFamily.IPV6), List.of()).wireguard().orElseThrow().mtu();
        assertThat(v6.mtu()).isEqualTo(8920);

        Intent fixed = intent("  wireguard:\n    mtu: 1380\n", node("a", 10, A, ""));
        assertThat(compute(fixed, "a", A).wireguard().orElseThrow().mtu()).isEqualTo(new MtuChoice(1380, "set in mesh.yaml"));
    }

    @Test
    void aDisabledMeshOrAnUnselectedNodeWantsNothing() throws IOException {
        Intent off = intent("", node("a", 10, A, ""));
        Files.writeString(repo.resolve("mesh.yaml"), Files.readString(repo.resolve("mesh.yaml"))
                .replace("enabled: true", "enabled: false"));
        Intent disabled = new IntentReader().read(new DirectoryTree(repo)).intent().orElseThrow();
        assertThat(compute(disabled, "a", A).enabled()).isFalse();
        assertThat(compute(off, "z", A).enabled()).as("a node not in the inventory").isFalse();

        Intent selective = intent("  nodeSelector:\n    matchLabels: {gitwire: \"on\"}\n", node("a", 10, A, ""));
        assertThat(compute(selective, "a", A).enabled()).isFalse();
        assertThat(compute(selective, "a", A).owned().interfaceName()).isEqualTo("gitwire0");
    }
}
