package dev.gitwire.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.NodeSelector;
import dev.gitwire.intent.RouteSource;
import dev.gitwire.intent.RoutingSettings;
import dev.gitwire.intent.WireguardSettings;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Two nodes claiming one address or overlapping pod CIDRs: the node that held it keeps it; with none, neither gets
 * it and it stays guarded, in either family; a node listing one twice keeps it.
 */
class LiveClaimsTest {

    private static final String NO_HOLDER_BC = "claimed by nodes b and c; none held it before: guarded for all";
    private static final PrivateKey KEY_B = PrivateKey.of(new byte[] {0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    private static final List<MeshNode> UNLISTED = List.of();

    private static LiveNode live(String name, String address, String... pods) {
        return new LiveNode(name, Map.of(), List.of(IpAddress.parse(address)),
                Arrays.stream(pods).map(IpAddress::parse).toList(), List.of(), Optional.empty(), Optional.empty());
    }

    private static final MeshIntent MESH = new MeshIntent("claims", true, Mode.OPPORTUNISTIC, RouteSource.WORKLOAD_IPS,
            false, Membership.INVENTORY, NodeSelector.ALL, List.of(), List.of(), MeshIntent.DEFAULT_WORKLOAD_INTERFACES,
            WireguardSettings.DEFAULT, RoutingSettings.DEFAULT);

    /** The inventory lists every node's workloads; one node's pods changed, and one of them is another node's. */
    @Test
    void anAddressTheInventoryGivesAnotherNodeIsRefusedWhereOneNodeChanged() {
        List<MeshNode> inventory = List.of(
                new MeshNode("b", Map.of(), List.of(IpAddress.parse("10.240.0.5")), MeshNode.NodeWireguard.DEFAULT,
                        List.of(), List.of(IpAddress.parse("10.244.2.8"))),
                new MeshNode("c", Map.of(), List.of(IpAddress.parse("10.240.0.6")), MeshNode.NodeWireguard.DEFAULT,
                        List.of(), IntStream.range(1, 200)
                                .mapToObj(i -> IpAddress.parse("10.244.3." + i)).toList()));
        Map<String, LiveNode> nodes = new TreeMap<>();
        nodes.put("b", live("b", "10.240.0.5", "10.244.2.8", "10.244.3.9", "10.240.0.6", "10.244.2.10"));
        nodes.put("c", new LiveNode("c", Map.of(), inventory.get(1).addresses(), inventory.get(1).workloadIPs(),
                List.of(), Optional.empty(), Optional.empty()));

        LiveClaims.Checked checked = LiveClaims.check(new Intent(MESH, inventory), new LiveCluster(nodes), Precedent.NONE);

        assertThat(checked.refused()).extracting(RefusedClaim::toString).containsExactlyInAnyOrder(
                "10.244.3.9/32 of node b: the inventory gives it to node c",
                "10.240.0.6/32 of node b: the inventory gives it to node c");
        assertThat(checked.routable().nodes().get("b").workloadIPs()).extracting(IpAddress::toString)
                .containsExactly("10.244.2.8", "10.244.2.10");
    }

    @Test
    void anAddressClaimedByTwoNodesGoesToNeither() {
        MeshIntent mesh = MESH;
        List<MeshNode> inventory = List.of("a", "b", "c").stream().map(n -> new MeshNode(n, Map.of(), List.of(),
                MeshNode.NodeWireguard.DEFAULT, List.of(), List.of())).toList();
        Map<String, LiveNode> nodes = new TreeMap<>();
        nodes.put("a", live("a", "10.240.0.4", "10.244.1.5", "fd00::5"));
        nodes.put("b", live("b", "10.240.0.5", "10.244.2.7", "10.244.2.8", "10.244.2.8", "fd00::7", "10.244.2.9"));
        nodes.put("c", live("c", "10.240.0.6", "fd00::7", "10.244.2.7", "10.244.3.1"));

        LiveClaims.Checked checked = LiveClaims.check(new Intent(mesh, inventory), new LiveCluster(nodes), Precedent.NONE);

        assertThat(checked.refused()).extracting(RefusedClaim::toString).containsExactlyInAnyOrder(
                "10.244.2.7/32 of node b: " + NO_HOLDER_BC, "fd00::7/128 of node b: " + NO_HOLDER_BC,
                "fd00::7/128 of node c: " + NO_HOLDER_BC, "10.244.2.7/32 of node c: " + NO_HOLDER_BC);
        assertThat(checked.refused()).allMatch(RefusedClaim::guarded);
        assertThat(checked.routable().nodes().get("b").workloadIPs()).extracting(IpAddress::toString)
                .containsExactly("10.244.2.8", "10.244.2.8", "10.244.2.9");
        assertThat(checked.routable().nodes().get("c").workloadIPs()).extracting(IpAddress::toString)
                .containsExactly("10.244.3.1");
        assertThat(checked.routable().nodes().get("a").workloadIPs()).hasSize(2);
    }

    private static LiveNode keyed(LiveNode node, PrivateKey key) {
        return new LiveNode(node.name(), node.labels(), node.addresses(), node.workloadIPs(), node.podCIDRs(),
                Optional.of(key.publicKey()), node.providerId());
    }

    /** Node c (compromised) claims b's pod IP and b's address; b's peer held both: b keeps them, c is refused. */
    @Test
    void theNodeThatHeldAContestedAddressKeepsIt() {
        Map<String, LiveNode> nodes = new TreeMap<>();
        nodes.put("b", keyed(live("b", "10.240.0.5", "10.244.2.7", "10.244.2.8"), KEY_B));
        nodes.put("c", live("c", "10.240.0.6", "10.244.2.7", "10.240.0.5", "10.244.3.1"));
        Precedent held = Precedent.of(List.of(new PeerConfig(KEY_B.publicKey(), Optional.empty(), Duration.ZERO,
                new TreeSet<>(List.of(Cidr.parse("10.240.0.5/32"), Cidr.parse("10.244.2.7/32"))))));

        LiveClaims.Checked checked = LiveClaims.check(new Intent(MESH, UNLISTED), new LiveCluster(nodes), held);

        assertThat(checked.refused()).extracting(RefusedClaim::toString).containsExactlyInAnyOrder(
                "10.244.2.7/32 of node c: claimed by nodes b and c; node b held it and keeps it",
                "10.240.0.5/32 of node c: claimed by nodes b and c; node b held it and keeps it");
        assertThat(checked.refused()).noneMatch(RefusedClaim::guarded);
        assertThat(checked.routable().nodes().get("b")).isEqualTo(nodes.get("b"));
        assertThat(checked.routable().nodes().get("c").workloadIPs()).extracting(IpAddress::toString)
                .containsExactly("10.244.3.1");
    }

    /** Node c publishes b's key and claims b's pod: what b's key held stays b's, c does not inherit it. */
    @Test
    void aNodePublishingAnotherNodesKeyInheritsNothingItHeld() {
        Map<String, LiveNode> nodes = new TreeMap<>();
        nodes.put("b", keyed(live("b", "10.240.0.5", "10.244.2.7"), KEY_B));
        nodes.put("c", keyed(live("c", "10.240.0.6", "10.244.2.7"), KEY_B));
        Precedent held = Precedent.of(List.of(new PeerConfig(KEY_B.publicKey(), Optional.empty(), Duration.ZERO,
                new TreeSet<>(List.of(Cidr.parse("10.240.0.5/32"), Cidr.parse("10.244.2.7/32"))))));

        LiveClaims.Checked checked = LiveClaims.check(new Intent(MESH, UNLISTED), new LiveCluster(nodes), held);

        assertThat(checked.refused()).extracting(RefusedClaim::toString).containsExactly(
                "10.244.2.7/32 of node c: claimed by nodes b and c; node b held it and keeps it");
    }

    /** A node address is a claim like a pod IP: another node's address, or pod IP, claimed as one's own is contested. */
    @Test
    void aNodeAddressClaimedByTwoNodesIsContested() {
        Map<String, LiveNode> nodes = new TreeMap<>();
        nodes.put("b", live("b", "10.240.0.5", "10.244.2.7"));
        nodes.put("c", live("c", "10.240.0.5", "10.244.3.1"));

        LiveClaims.Checked checked = LiveClaims.check(new Intent(MESH, UNLISTED), new LiveCluster(nodes), Precedent.NONE);

        assertThat(checked.refused()).extracting(RefusedClaim::toString).containsExactlyInAnyOrder(
                "10.240.0.5/32 of node b: " + NO_HOLDER_BC, "10.240.0.5/32 of node c: " + NO_HOLDER_BC);
        assertThat(checked.routable().nodes().get("c").addresses()).isEmpty();
    }

    /** Live pod CIDRs are cross-checked as the inventory's are: an overlap is a contest. */
    @Test
    void overlappingLivePodCidrsAreContested() {
        Map<String, LiveNode> nodes = new TreeMap<>();
        nodes.put("a", new LiveNode("a", Map.of(), List.of(IpAddress.parse("10.240.0.4")), List.of(),
                List.of(Cidr.parse("10.244.1.0/24")), Optional.empty(), Optional.empty()));
        nodes.put("b", new LiveNode("b", Map.of(), List.of(IpAddress.parse("10.240.0.5")), List.of(),
                List.of(Cidr.parse("10.244.2.0/24")), Optional.empty(), Optional.empty()));
        nodes.put("c", new LiveNode("c", Map.of(), List.of(IpAddress.parse("10.240.0.6")), List.of(),
                List.of(Cidr.parse("10.244.0.0/16")), Optional.empty(), Optional.empty()));

        LiveClaims.Checked checked = LiveClaims.check(new Intent(MESH, UNLISTED), new LiveCluster(nodes), Precedent.NONE);

        assertThat(checked.refused()).extracting(RefusedClaim::toString).containsExactlyInAnyOrder(
                "10.244.0.0/16 of node c: claimed by nodes a and b and c; none held it before: guarded for all",
                "10.244.1.0/24 of node a: claimed by nodes a and c; none held it before: guarded for all",
                "10.244.2.0/24 of node b: claimed by nodes b and c; none held it before: guarded for all");
        assertThat(checked.refused()).allMatch(RefusedClaim::guarded);
    }
}
