package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.SimulatedDataplane;
import dev.gitwire.dataplane.SimulatedDataplane.Path;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.HandshakeGate;
import dev.gitwire.desired.InventoryCluster;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.Underlay;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.Operation;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciler against a simulated kernel behind its port, without root (issues 13 and 15): the
 * handshake gate, the grace periods, the guard standing in when the device vanishes, and kernel errors
 * that become failed outcomes instead of ending the agent.
 */
class ReconcilerTest {

    private static final PrivateKey A = key(1);
    private static final PrivateKey B = key(2);
    private static final Cidr B_POD = Cidr.parse("10.240.0.21/32");
    private static final Duration GRACE = Duration.ofSeconds(5);

    @TempDir
    java.nio.file.Path repo;

    private final SimulatedDataplane kernel = new SimulatedDataplane();
    private final ManualClock clock = new ManualClock();
    private final Reconciler reconciler = new Reconciler(kernel, clock, GRACE);

    @Test
    void aPeerIsConfiguredAtOnceButRoutedOnlyOnceAHandshakeProvesIt() throws IOException {
        DesiredDataplane desired = desired(true, true);

        Reconciler.Outcome first = reconciler.reconcile(desired);

        assertThat(first.converged()).isTrue();
        assertThat(first.target().awaitingHandshake()).containsExactly("b");
        assertThat(route(B_POD).type()).isEqualTo(RouteType.THROW);
        assertThat(kernel.state().device().orElseThrow().peers()).singleElement()
                .satisfies(p -> assertThat(p.config().persistentKeepalive()).isEqualTo(HandshakeGate.KICK));
        assertThat(reconciler.handshakeArrived(first.target())).isFalse();

        clock.advance(Duration.ofMillis(700));
        kernel.handshake(B.publicKey(), clock.instant());
        assertThat(reconciler.handshakeArrived(first.target())).isTrue();
        Reconciler.Outcome second = reconciler.reconcile(desired);

        assertThat(second.converged()).isTrue();
        assertThat(second.target().awaitingHandshake()).isEmpty();
        assertThat(route(B_POD).device()).contains("gitwire0");
        assertThat(kernel.state().guard().orElseThrow().destinations()).contains(B_POD);
        assertThat(second.handshakeWaits()).containsExactly(Duration.ofMillis(700));
    }

    /** Issue 31 point 2: the repair's steps reach the kernel, and the peer's destinations never leave the tunnel. */
    @Test
    void aRoutedPeerGoneSilentIsReinitiatedThenRecreatedThenReportedWhileItsDestinationsStayInTheTunnel()
            throws IOException {
        DesiredDataplane desired = desired(true, true);
        reconciler.reconcile(desired);
        kernel.handshake(B.publicKey(), clock.instant());
        assertThat(reconciler.reconcile(desired).target().awaitingHandshake()).as("routed").isEmpty();
        kernel.traffic(B.publicKey(), 100, 1000);
        reconciler.reconcile(desired); // a first look at the counters

        clock.advance(PeerRepair.REJECT_AFTER_TIME.plusSeconds(1));
        kernel.traffic(B.publicKey(), 100, 5000); // sent, nothing back, no handshake for longer than a session
        Optional<Endpoint> endpoint = kernel.state().device().orElseThrow().peers().get(0).config().endpoint();
        Reconciler.Outcome reinitiated = reconciler.reconcile(desired);
        assertThat(reinitiated.executed().operations()).startsWith(
                new Operation.UpdatePeer(B.publicKey(), endpoint, Duration.ZERO),
                new Operation.UpdatePeer(B.publicKey(), endpoint, PeerRepair.REINITIATE_KEEPALIVE));
        assertThat(reinitiated.unreachable()).isEmpty();

        clock.advance(PeerRepair.BETWEEN);
        Reconciler.Outcome recreated = reconciler.reconcile(desired);
        assertThat(recreated.executed().operations()).first().isEqualTo(new Operation.RemovePeer(B.publicKey()));
        assertThat(recreated.executed().operations()).anyMatch(op -> op instanceof Operation.AddPeer);
        assertThat(recreated.converged()).isTrue();
        assertThat(SimulatedDataplane.path(kernel.state(), desired.owned(), B_POD)).isEqualTo(Path.TUNNEL);

        clock.advance(PeerRepair.BETWEEN);
        Reconciler.Outcome reported = reconciler.reconcile(desired);
        assertThat(reported.unreachable()).containsOnlyKeys(B.publicKey());
        assertThat(SimulatedDataplane.path(kernel.state(), desired.owned(), B_POD)).isEqualTo(Path.TUNNEL);

        kernel.handshake(B.publicKey(), clock.instant());
        assertThat(reconciler.reconcile(desired).unreachable()).as("a handshake: repaired").isEmpty();
    }

    @Test
    void whenTheDeviceVanishesTheGuardDropsAndTheRepairRoutesAtOnceWithoutWaitingForAHandshake() throws IOException {
        DesiredDataplane desired = routed(desired(true, true));

        kernel.happens(new Operation.DeleteDevice("gitwire0")); // wireguard-go killed: its routes go too
        assertThat(SimulatedDataplane.path(kernel.state(), desired.owned(), B_POD)).isEqualTo(Path.DROPPED);

        Reconciler.Outcome repair = reconciler.reconcile(desired);
        assertThat(repair.converged()).isTrue();
        assertThat(repair.target().awaitingHandshake()).isEmpty();
        assertThat(SimulatedDataplane.path(kernel.state(), desired.owned(), B_POD)).isEqualTo(Path.TUNNEL);
    }

    @Test
    void aKernelThatCannotBeReadIsAFailedOutcomeAndTheNextReconcileConverges() throws IOException {
        DesiredDataplane desired = desired(true, true);
        kernel.failObserving(new IllegalStateException("netlink: No buffer space available"));

        Reconciler.Outcome failed = reconciler.reconcile(desired);

        assertThat(failed.converged()).isFalse();
        assertThat(failed.failure()).contains("cannot observe the kernel: netlink: No buffer space available");
        assertThat(kernel.state().link()).isEmpty();
        kernel.heal();
        assertThat(reconciler.reconcile(desired).converged()).isTrue();
    }

    /** Where the time of a slow reconcile goes (gitwire_reconcile_phase_duration_seconds): here, the kernel's changes. */
    @Test
    void aReconcileSaysHowLongEachPhaseTook() throws IOException {
        DesiredDataplane desired = desired(true, true);
        kernel.slowExecuting(Duration.ofMillis(300));

        long start = System.nanoTime();
        Reconciler.Outcome slow = reconciler.reconcile(desired);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);

        assertThat(slow.took()).containsOnlyKeys(Reconciler.Phase.values());
        assertThat(slow.took().get(Reconciler.Phase.EXECUTE)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(slow.took().values().stream().reduce(Duration.ZERO, Duration::plus)).isLessThanOrEqualTo(wall);

        kernel.failObserving(new IllegalStateException("netlink: No buffer space available"));
        assertThat(reconciler.reconcile(desired).took()).as("a kernel that cannot be read: nothing after")
                .containsOnlyKeys(Reconciler.Phase.OBSERVE);
    }

    @Test
    void anOperationThatFailsStopsThePlanAndIsReportedWithWhatIsLeft() throws IOException {
        DesiredDataplane desired = desired(true, true);
        kernel.failExecuting(op -> op instanceof Operation.AddRule, new IllegalStateException("nft: refused"));

        Reconciler.Outcome failed = reconciler.reconcile(desired);

        assertThat(failed.failure()).contains("nft: refused");
        assertThat(failed.residual().operations()).anyMatch(op -> op instanceof Operation.AddRule);
        kernel.heal();
        assertThat(reconciler.reconcile(desired).converged()).isTrue();
    }

    @Test
    void disablingStopsRoutingFirstAndKeepsTheDeviceForTheGracePeriod() throws IOException {
        routed(desired(true, true));
        DesiredDataplane off = desired(false, true);

        Reconciler.Outcome draining = reconciler.reconcile(off);

        assertThat(draining.converged()).isTrue();
        assertThat(draining.revisitAt()).contains(clock.instant().plus(GRACE));
        assertThat(kernel.state().rules()).isEmpty();
        assertThat(kernel.state().routes()).isEmpty();
        assertThat(kernel.state().guard()).isEmpty();
        assertThat(kernel.state().device().orElseThrow().peers()).hasSize(1); // still heard
        clock.advance(GRACE.minusSeconds(1));
        assertThat(reconciler.reconcile(off).executed().isEmpty()).isTrue();

        clock.advance(Duration.ofSeconds(1));
        Reconciler.Outcome done = reconciler.reconcile(off);
        assertThat(done.converged()).isTrue();
        assertThat(done.revisitAt()).isEmpty();
        assertThat(kernel.state().link()).isEmpty();
    }

    @Test
    void aPeerThatLeavesIsHeardWithoutRoutesUntilItsGraceEnds() throws IOException {
        routed(desired(true, true));
        DesiredDataplane alone = desired(true, false);

        Reconciler.Outcome leaving = reconciler.reconcile(alone);

        assertThat(leaving.converged()).isTrue();
        assertThat(leaving.revisitAt()).contains(clock.instant().plus(GRACE));
        assertThat(route(B_POD).type()).isEqualTo(RouteType.THROW);
        assertThat(kernel.state().guard().orElseThrow().destinations()).doesNotContain(B_POD);
        assertThat(kernel.state().device().orElseThrow().peer(B.publicKey())).isPresent();

        clock.advance(GRACE);
        reconciler.reconcile(alone);
        assertThat(kernel.state().device().orElseThrow().peer(B.publicKey())).isEmpty();
    }

    /** Converges on {@code desired}, node b's handshake included: b is routed. */
    private DesiredDataplane routed(DesiredDataplane desired) {
        reconciler.reconcile(desired);
        kernel.handshake(B.publicKey(), clock.instant());
        assertThat(reconciler.reconcile(desired).target().awaitingHandshake()).isEmpty();
        return desired;
    }

    private Route route(Cidr destination) {
        return kernel.state().routes().stream().filter(r -> r.destination().equals(destination)).findFirst()
                .orElseThrow();
    }

    /** Nodes a (this one) and b, both pinned; b with WireGuard or without. */
    private DesiredDataplane desired(boolean enabled, boolean bHasWireguard) throws IOException {
        Files.writeString(repo.resolve("mesh.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: " + enabled + "\n  hostEncryption: true\n");
        Files.createDirectories(repo.resolve("nodes"));
        node("a", 10, A, true);
        node("b", 20, B, bHasWireguard);
        Intent intent = new IntentReader().read(new DirectoryTree(repo)).intent().orElseThrow();
        return DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity("a", A),
                new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
    }

    private void node(String name, int octet, PrivateKey key, boolean wireguard) throws IOException {
        Files.writeString(repo.resolve("nodes/" + name + ".yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\n"
                + "metadata:\n  name: " + name + "\nspec:\n  addresses: [10.240.0." + octet + "]\n  workloadIPs: [10.240.0."
                + (octet + 1) + "]\n  wireguard:\n    enabled: " + wireguard + "\n    publicKey: " + key.publicKey().base64()
                + "\n");
    }

    private static PrivateKey key(int seed) {
        byte[] raw = new byte[32];
        raw[1] = (byte) seed;
        return PrivateKey.of(raw);
    }
}
