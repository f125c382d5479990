package dev.gitwire.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpFamily;
import dev.gitwire.source.DirectoryTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing into the tunnel waits for a handshake, and once routed a peer stays routed (issue 13). */
class HandshakeGateTest {

    private static final PrivateKey A = key(1);
    private static final PrivateKey B = key(2);
    private static final Cidr B_POD = Cidr.parse("10.240.0.21/32");
    private static final Cidr B_NODE = Cidr.parse("10.240.0.20/32");

    @TempDir
    Path repo;

    @Test
    void aPeerWithoutHandshakeKeepsItsPlaintextPathAndGetsAKeepaliveToStartOne() throws IOException {
        DesiredDataplane desired = compute("Opportunistic", true);

        DesiredDataplane gated = HandshakeGate.apply(desired, Set.of(), Set.of());

        assertThat(route(gated, B_POD).type()).isEqualTo(RouteType.THROW);
        assertThat(route(gated, B_NODE).type()).isEqualTo(RouteType.THROW);
        assertThat(gated.guard().orElseThrow().destinations()).isEmpty();
        PeerConfig peer = gated.wireguard().orElseThrow().peers().get(0);
        assertThat(peer.persistentKeepalive()).isEqualTo(HandshakeGate.KICK);
        assertThat(peer.allowedIps()).contains(B_POD, B_NODE); // it is heard at once, only not routed to
        assertThat(gated.awaitingHandshake()).containsExactly("b");
    }

    @Test
    void aHandshakeRoutesThePeerAndGuardsItsDestinations() throws IOException {
        DesiredDataplane desired = compute("Opportunistic", true);

        DesiredDataplane gated = HandshakeGate.apply(desired, Set.of(), Set.of(B.publicKey()));

        assertThat(gated).isEqualTo(desired);
        assertThat(route(gated, B_POD).device()).contains("gitwire0");
        assertThat(gated.guard().orElseThrow().destinations()).contains(B_POD, B_NODE);
        assertThat(gated.wireguard().orElseThrow().peers().get(0).persistentKeepalive()).isEqualTo(Duration.ZERO);
        assertThat(gated.awaitingHandshake()).isEmpty();
    }

    @Test
    void aPeerAlreadyGuardedStaysRoutedWithoutAHandshakeAsAfterTheDeviceWasRecreatedOrItsKeyChanged()
            throws IOException {
        DesiredDataplane desired = compute("Opportunistic", true);

        DesiredDataplane gated = HandshakeGate.apply(desired, Set.of(B_POD), Set.of());

        assertThat(route(gated, B_POD).device()).contains("gitwire0");
        assertThat(route(gated, B_NODE).device()).contains("gitwire0");
        assertThat(gated.guard().orElseThrow().destinations()).contains(B_POD, B_NODE);
    }

    @Test
    void inStrictModeAPeerWithoutHandshakeIsRefusedAndGuarded() throws IOException {
        DesiredDataplane desired = compute("Strict", false);

        DesiredDataplane gated = HandshakeGate.apply(desired, Set.of(), Set.of());

        assertThat(route(gated, B_POD).type()).isEqualTo(RouteType.PROHIBIT);
        assertThat(gated.guard().orElseThrow().destinations()).contains(B_POD);
        assertThat(gated.reports()).anyMatch(r -> r.node().equals("b")
                && r.state() == PeerReport.State.AWAITING_HANDSHAKE);
    }

    private static Route route(DesiredDataplane d, Cidr destination) {
        return d.routes().stream().filter(r -> r.destination().equals(destination)).findFirst().orElseThrow();
    }

    private DesiredDataplane compute(String mode, boolean hostEncryption) throws IOException {
        Files.writeString(repo.resolve("mesh.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: true\n  mode: " + mode + "\n  hostEncryption: "
                + hostEncryption + "\n");
        Files.createDirectories(repo.resolve("nodes"));
        node("a", 10, A.publicKey());
        node("b", 20, B.publicKey());
        Intent intent = new IntentReader().read(new DirectoryTree(repo)).intent().orElseThrow();
        return DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity("a", A),
                new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
    }

    private void node(String name, int octet, PublicKey key) throws IOException {
        Files.writeString(repo.resolve("nodes/" + name + ".yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\n"
                + "metadata:\n  name: " + name + "\nspec:\n  addresses: [10.240.0." + octet + "]\n  workloadIPs: [10.240.0."
                + (octet + 1) + "]\n  wireguard:\n    publicKey: " + key.base64() + "\n");
    }

    private static PrivateKey key(int seed) {
        byte[] raw = new byte[32];
        raw[1] = (byte) seed;
        return PrivateKey.of(raw);
    }
}
