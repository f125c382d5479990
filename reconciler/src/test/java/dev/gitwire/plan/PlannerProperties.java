package dev.gitwire.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.SimulatedDataplane;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.InventoryCluster;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.Underlay;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.NodeSelector;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.Route;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.IntentArbitraries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The planner against a simulated kernel's semantics ({@link KernelSimulation}), from many starting points. */
class PlannerProperties {

    @Property(tries = 300)
    void onePlanConvergesAndTheNextIsEmpty(@ForAll("desired") DesiredDataplane desired,
            @ForAll("actual") ObservedDataplane actual) {
        ObservedDataplane result = applyAll(actual, Planner.diff(actual, desired));

        assertThat(Planner.diff(result, desired).operations()).isEmpty();
        if (desired.enabled()) {
            assertThat(result.routes()).containsExactlyElementsOf(desired.routes());
            assertThat(result.rules()).containsExactlyInAnyOrderElementsOf(desired.rules());
            assertThat(peers(result)).isEqualTo(new HashSet<>(desired.wireguard().get().peers()));
            assertThat(result.link().orElseThrow().mtu()).isEqualTo(desired.wireguard().get().mtu().mtu());
            assertThat(result.nftTables()).containsExactlyInAnyOrderElementsOf(desired.nftTables());
        } else {
            assertThat(result.routes()).isEmpty();
            assertThat(result.rules()).isEmpty();
            assertThat(result.link()).isEmpty();
            assertThat(result.nftTables()).isEmpty();
            assertThat(result.rememberedSysctls()).isEmpty();
        }
    }

    /** A post-quantum key just agreed goes on alone: the keys of the peers on the device change, nothing else. */
    @Property(tries = 300)
    void presharedKeysChangeTheKeysOfPeersOnTheDeviceAndNothingElse(@ForAll("desired") DesiredDataplane plain,
            @ForAll("actual") ObservedDataplane drifted) {
        Assume.that(plain.wireguard().isPresent());
        ObservedDataplane actual = applyAll(drifted, Planner.diff(drifted, plain)); // a device with the peers
        List<PeerConfig> keyed = new ArrayList<>();
        for (PeerConfig peer : plain.wireguard().get().peers()) { // every other peer with a key agreed
            byte[] psk = new byte[PresharedKey.LENGTH];
            psk[0] = (byte) (keyed.size() + 1);
            keyed.add(peer.withPresharedKey(keyed.size() % 2 == 0 ? Optional.of(PresharedKey.of(psk)) : Optional.empty()));
        }
        DesiredDataplane desired = plain.withPeers(keyed);

        ObservedDataplane result = applyAll(actual, Planner.presharedKeys(actual.device().get(), desired));

        assertThat(result.routes()).isEqualTo(actual.routes());
        assertThat(result.rules()).isEqualTo(actual.rules());
        assertThat(result.nftTables()).isEqualTo(actual.nftTables());
        assertThat(result.link()).isEqualTo(actual.link());
        assertThat(result.device().orElseThrow().peers()).hasSameSizeAs(actual.device().get().peers());
        for (PeerState before : actual.device().get().peers()) {
            PeerConfig after = result.device().get().peer(before.config().publicKey()).orElseThrow().config();
            Optional<PresharedKey> wanted = keyed.stream().filter(p -> p.publicKey().equals(after.publicKey()))
                    .map(PeerConfig::presharedKey).findFirst().orElse(before.config().presharedKey());
            assertThat(after.presharedKey()).isEqualTo(wanted);
            assertThat(after.allowedIps()).isEqualTo(before.config().allowedIps());
            assertThat(after.endpoint()).isEqualTo(before.config().endpoint());
        }
        assertThat(Planner.presharedKeys(result.device().get(), desired).operations()).isEmpty();
    }

    @Property(tries = 300)
    void aPlanHoldsNoMoreOperationsThanTheDifference(@ForAll("desired") DesiredDataplane desired,
            @ForAll("actual") ObservedDataplane actual) {
        ObservedDataplane target = applyAll(actual, Planner.diff(actual, desired));
        assertThat(Planner.diff(actual, desired).size()).isLessThanOrEqualTo(difference(actual, target));
    }

    @Property(tries = 300)
    void noStepRoutesIntoTheTunnelWhatNoPeerAccepts(@ForAll("desired") DesiredDataplane desired,
            @ForAll("actual") ObservedDataplane actual) {
        Assume.that(everyTunnelRouteIsAccepted(actual));
        ObservedDataplane state = actual;
        for (Operation op : Planner.diff(actual, desired).operations()) {
            state = KernelSimulation.apply(state, op);
            assertThat(everyTunnelRouteIsAccepted(state)).as("after %s", op).isTrue();
        }
    }

    @Property(tries = 300)
    void whenEnablingTheRuleComesOnlyAfterTheTableIsComplete(@ForAll("desired") DesiredDataplane desired,
            @ForAll("actual") ObservedDataplane actual) {
        Assume.that(desired.enabled() && actual.rules().isEmpty());
        ObservedDataplane state = actual;
        for (Operation op : Planner.diff(actual, desired).operations()) {
            if (op instanceof Operation.AddRule) {
                assertThat(state.routes()).containsExactlyElementsOf(desired.routes());
            }
            state = KernelSimulation.apply(state, op);
        }
    }

    @Property(tries = 200)
    void whenDisablingTheGuardThenTheRuleGoFirst(@ForAll("desired") DesiredDataplane enabled) {
        Assume.that(enabled.enabled() && !enabled.rules().isEmpty());
        ObservedDataplane running = applyAll(ObservedDataplane.empty(), Planner.diff(ObservedDataplane.empty(), enabled));
        DesiredDataplane off = DesiredDataplane.absent(enabled.owned(), List.of());
        List<Operation> ops = Planner.diff(running, off).operations();
        assertThat(ops.get(0)).isInstanceOf(Operation.DeleteGuard.class);
        assertThat(ops.subList(1, 1 + enabled.rules().size())).allMatch(op -> op instanceof Operation.DeleteRule);
    }

    /**
     * Fail closed (issue 13): a destination the guard is to protect that does not leave in plaintext before
     * the plan never does at any step of it, from any starting point, drifted ones included.
     */
    @Property(tries = 400)
    void noStepLetsAGuardedDestinationOutInPlaintext(@ForAll("desired") DesiredDataplane desired,
            @ForAll("actual") ObservedDataplane actual) {
        Assume.that(desired.guard().isPresent());
        List<Cidr> protectedBefore = desired.guard().get().destinations().stream()
                .filter(d -> path(actual, desired, d) != SimulatedDataplane.Path.PLAINTEXT).toList();
        ObservedDataplane state = actual;
        for (Operation op : Planner.diff(actual, desired).operations()) {
            state = KernelSimulation.apply(state, op);
            for (Cidr d : protectedBefore) {
                assertThat(path(state, desired, d)).as("%s after %s", d, op).isNotEqualTo(SimulatedDataplane.Path.PLAINTEXT);
            }
        }
        for (Cidr d : desired.guard().get().destinations()) {
            assertThat(path(state, desired, d)).as("%s once converged", d).isNotEqualTo(SimulatedDataplane.Path.PLAINTEXT);
        }
    }

    /** A drifted kernel: whatever of the device, the routes or the rule is gone, the guard drops the packet. */
    @Property(tries = 300)
    void withTheGuardInPlaceNoLossOfStateSendsPlaintext(@ForAll("desired") DesiredDataplane desired,
            @ForAll("seeds") List<Integer> seeds) {
        Assume.that(desired.guard().isPresent());
        ObservedDataplane converged = applyAll(ObservedDataplane.empty(), Planner.diff(ObservedDataplane.empty(), desired));
        ObservedDataplane broken = drift(converged, seeds);
        if (seeds.get(0) % 3 == 0 && broken.link().isPresent()) { // wireguard-go dies: the link and its routes go
            broken = KernelSimulation.apply(broken, new Operation.DeleteDevice(broken.link().get().name()));
        }
        for (Cidr d : desired.guard().get().destinations()) {
            assertThat(path(broken, desired, d)).as("%s", d).isNotEqualTo(SimulatedDataplane.Path.PLAINTEXT);
        }
    }

    @Provide
    Arbitrary<List<Integer>> seeds() {
        return Arbitraries.integers().between(0, 1 << 20).list().ofMinSize(1).ofMaxSize(6);
    }

    private static SimulatedDataplane.Path path(ObservedDataplane state, DesiredDataplane desired, Cidr d) {
        return SimulatedDataplane.path(state, desired.owned(), d);
    }

    // --- the model's observations ---

    private static ObservedDataplane applyAll(ObservedDataplane state, Plan plan) {
        for (Operation op : plan.operations()) {
            state = KernelSimulation.apply(state, op);
        }
        return state;
    }

    private static Set<PeerConfig> peers(ObservedDataplane state) {
        Set<PeerConfig> peers = new HashSet<>();
        state.device().ifPresent(d -> d.peers().forEach(p -> peers.add(p.config())));
        return peers;
    }

    private static boolean everyTunnelRouteIsAccepted(ObservedDataplane state) {
        Set<Cidr> accepted = new HashSet<>();
        state.device().ifPresent(d -> d.peers().forEach(p -> accepted.addAll(p.config().allowedIps())));
        return state.routes().stream().filter(r -> r.device().isPresent()).allMatch(r -> accepted.contains(r.destination())
                || accepted.stream().anyMatch(a -> a.prefixLength() <= r.destination().prefixLength()
                        && a.overlaps(r.destination())));
    }

    /** The size of the symmetric difference between two states, object by object. */
    private static int difference(ObservedDataplane a, ObservedDataplane b) {
        int count = a.link().equals(b.link()) ? 0 : 1;
        count += a.linkAnchored() == b.linkAnchored() ? 0 : 1;
        DeviceState da = a.device().orElse(new DeviceState(Optional.empty(), 0, 0, List.of()));
        DeviceState db = b.device().orElse(new DeviceState(Optional.empty(), 0, 0, List.of()));
        count += da.publicKey().equals(db.publicKey()) && da.listenPort() == db.listenPort()
                && da.firewallMark() == db.firewallMark() ? 0 : 1;
        Set<String> pa = peerFacts(da);
        Set<String> pb = peerFacts(db);
        count += symmetric(pa, pb);
        count += symmetric(new HashSet<>(a.routes()), new HashSet<>(b.routes()));
        count += symmetric(new HashSet<>(a.rules()), new HashSet<>(b.rules()));
        count += symmetric(guardFacts(a), guardFacts(b));
        count += symmetric(new HashSet<>(a.nftTables()), new HashSet<>(b.nftTables()));
        count += symmetric(new HashSet<>(a.sysctls().entrySet()), new HashSet<>(b.sysctls().entrySet()));
        count += symmetric(a.rememberedSysctls(), b.rememberedSysctls());
        return count;
    }

    /** The guard's rules, and each of its destinations, as separate facts. */
    private static Set<String> guardFacts(ObservedDataplane state) {
        Set<String> facts = new HashSet<>();
        state.guard().ifPresent(g -> {
            facts.add("rules " + g.firewallMark() + " " + g.interfaceName());
            g.destinations().forEach(d -> facts.add(d.toString()));
        });
        return facts;
    }

    /** Each peer as its settings, and each of its allowed IPs, as separate facts. */
    private static Set<String> peerFacts(DeviceState device) {
        Set<String> facts = new HashSet<>();
        for (PeerState p : device.peers()) {
            facts.add(p.config().publicKey() + " " + p.config().endpoint() + " " + p.config().persistentKeepalive());
            p.config().allowedIps().forEach(c -> facts.add(p.config().publicKey() + " " + c));
        }
        return facts;
    }

    private static <T> int symmetric(Set<T> a, Set<T> b) {
        Set<T> onlyA = new HashSet<>(a);
        onlyA.removeAll(b);
        Set<T> onlyB = new HashSet<>(b);
        onlyB.removeAll(a);
        return onlyA.size() + onlyB.size();
    }

    // --- generators ---

    /** Mostly meshes that are on for this node, since most of the planner's work is there; some off. */
    @Provide
    Arbitrary<DesiredDataplane> desired() {
        Arbitrary<Intent> intents = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, IntentArbitraries.intents()),
                net.jqwik.api.Tuple.of(3, IntentArbitraries.intents().map(PlannerProperties::switchedOn)));
        return Combinators.combine(intents, Arbitraries.integers().between(0, 12),
                Arbitraries.of(1500, 9000, 1400), Arbitraries.of(IpFamily.class)).as(PlannerProperties::compute);
    }

    /** The mesh enabled for every node, and every node with WireGuard, a key pinned on most. */
    static Intent switchedOn(Intent intent) {
        MeshIntent m = intent.mesh();
        MeshIntent on = new MeshIntent(m.name(), true, m.mode(), m.routeSource(), m.hostEncryption(), m.membership(),
                NodeSelector.ALL, m.bypass(), m.workloadNetworks(), m.workloadInterfaces(), m.wireguard(), m.routing());
        List<MeshNode> nodes = intent.nodes().stream().map(n -> {
            byte[] key = new byte[32];
            key[0] = (byte) (n.name().hashCode());
            key[2] = 7;
            boolean pinned = n.name().hashCode() % 5 != 0;
            return new MeshNode(n.name(), n.labels(), n.addresses(), new MeshNode.NodeWireguard(true,
                    pinned ? Optional.of(PublicKey.of(key)) : Optional.empty(), Optional.empty(),
                    n.wireguard().listenPort(), Optional.empty()),
                    n.podCIDRs(), n.workloadIPs());
        }).toList();
        return new Intent(on, nodes);
    }

    static DesiredDataplane compute(Intent intent, int self, int mtu, IpFamily family) {
        byte[] raw = new byte[32];
        raw[0] = (byte) (self + 1);
        raw[1] = 42;
        PrivateKey key = PrivateKey.of(raw);
        return DesiredState.compute(intent, InventoryCluster.of(intent), new NodeIdentity("node-" + self, key),
                new Underlay(Optional.of("eth0"), mtu, family), List.of(Cidr.parse("192.0.2.10/32")));
    }

    @Provide
    Arbitrary<ObservedDataplane> actual() {
        Arbitrary<ObservedDataplane> converged = desired().map(d -> applyAll(ObservedDataplane.empty(),
                Planner.diff(ObservedDataplane.empty(), d)));
        Arbitrary<ObservedDataplane> drifted = Combinators.combine(converged, Arbitraries.integers().between(0, 1 << 20)
                        .list().ofMinSize(1).ofMaxSize(4))
                .as(PlannerProperties::drift);
        return Arbitraries.oneOf(Arbitraries.just(ObservedDataplane.empty()), converged, drifted);
    }

    /** Hand-made changes, as an operator or another tool might make them. */
    static ObservedDataplane drift(ObservedDataplane state, List<Integer> seeds) {
        for (int seed : seeds) {
            List<Route> routes = new ArrayList<>(state.routes());
            int choice = seed % 7;
            if (choice == 0 && !routes.isEmpty()) {
                state = KernelSimulation.apply(state, new Operation.DeleteRoute(routes.get(seed % routes.size())));
            } else if (choice == 1) {
                Route stray = Route.throwing(Cidr.parse("198.51.100." + (seed % 256) + "/32"));
                if (state.routes().stream().noneMatch(r -> r.destination().equals(stray.destination()))) {
                    state = KernelSimulation.apply(state, new Operation.AddRoute(stray));
                }
            } else if (choice == 2 && state.link().isPresent()) {
                state = KernelSimulation.apply(state, new Operation.SetLink(state.link().get().name(), 1280 + seed % 100,
                        seed % 2 == 0));
            } else if (choice == 3 && !state.rules().isEmpty()) {
                state = KernelSimulation.apply(state, new Operation.DeleteRule(state.rules().get(0)));
            } else if (choice == 4 && state.device().isPresent()) {
                byte[] raw = new byte[32];
                raw[5] = (byte) seed;
                if (state.device().get().peer(PublicKey.of(raw)).isEmpty()) {
                    state = KernelSimulation.apply(state, new Operation.AddPeer(PublicKey.of(raw), Optional.empty(),
                            Duration.ZERO));
                }
            } else if (choice == 5 && state.device().isPresent() && !state.device().get().peers().isEmpty()) {
                PeerConfig peer = state.device().get().peers().get(seed % state.device().get().peers().size()).config();
                if (!peer.allowedIps().isEmpty()) {
                    Cidr ip = new TreeSet<>(peer.allowedIps()).first();
                    state = KernelSimulation.apply(state, new Operation.RemoveAllowedIp(peer.publicKey(), ip));
                }
            } else if (choice == 6 && state.device().isPresent() && !state.device().get().peers().isEmpty()) {
                byte[] psk = new byte[PresharedKey.LENGTH]; // a pre-shared key set by hand, which the intent has not
                psk[0] = (byte) (seed | 1);
                PeerConfig peer = state.device().get().peers().get(seed % state.device().get().peers().size()).config();
                state = KernelSimulation.apply(state, new Operation.SetPresharedKey(peer.publicKey(),
                        Optional.of(PresharedKey.of(psk))));
            }
        }
        return state;
    }
}
