package dev.gitwire.desired;

import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.DesiredDataplane.WireguardSpec;
import dev.gitwire.desired.PeerReport.State;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.Mtu;
import dev.gitwire.intent.RouteSource;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.Guard;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.model.Rule;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.pq.PskExchange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The kernel state a node must have, as a pure function of the intent, the live cluster, the node's
 * identity, its underlay and the addresses the agent itself needs outside the tunnel (docs/reference/kernel.md).
 */
public final class DesiredState {

    public static final String SRC_VALID_MARK = "net.ipv4.conf.all.src_valid_mark";
    /** What host encryption needs of the kernel's parameters: strict reverse-path checks that see the mark. */
    public static final Map<String, String> HOST_ENCRYPTION_SYSCTLS = Map.of(SRC_VALID_MARK, "1");
    /** Every kernel parameter gitwire may change, and so observes, remembers and restores. */
    public static final List<String> OWNED_SYSCTLS = List.copyOf(new TreeSet<>(HOST_ENCRYPTION_SYSCTLS.keySet()));
    static final int IPV4_OVERHEAD = 60;
    static final int IPV6_OVERHEAD = 80;
    static final int AZURE_HOST_ENCRYPTION_MARGIN = 100;

    private DesiredState() {}

    /** A node as the mesh sees it: inventory and live facts merged. */
    private record Member(String name, Map<String, String> labels, List<IpAddress> addresses,
            SortedSet<Cidr> destinations, boolean enabled, boolean selected, Optional<PublicKey> pin,
            Optional<PublicKey> advertised, int listenPort, boolean onAzure) {}

    /** The desired state with no precedent: what a node that has no device yet computes. */
    public static DesiredDataplane compute(Intent intent, LiveCluster live, NodeIdentity self, Underlay underlay,
            List<Cidr> agentBypass) {
        return compute(intent, live, self, underlay, agentBypass, Precedent.NONE);
    }

    /** The kernel objects of this mesh, whatever it wants of them. */
    public static Ownership ownership(MeshIntent mesh) {
        return new Ownership(mesh.wireguard().interfaceName(), mesh.routing().table(),
                mesh.routing().rulePriority(), mesh.wireguard().firewallMark());
    }

    /**
     * The desired state; a contest (a key or a destination claimed by two nodes) goes to the node the
     * {@code precedent} shows held it, and with none, what is contested stays guarded.
     */
    public static DesiredDataplane compute(Intent intent, LiveCluster live, NodeIdentity self, Underlay underlay,
            List<Cidr> agentBypass, Precedent precedent) {
        MeshIntent mesh = intent.mesh();
        Ownership owned = ownership(mesh);
        LiveClaims.Checked claims = LiveClaims.check(intent, live, precedent);
        Map<String, Member> members = members(intent, claims.routable());
        Member me = members.get(self.nodeName());
        if (!mesh.enabled() || me == null || !me.selected() || !me.enabled()) {
            return DesiredDataplane.absent(owned, List.of());
        }

        PublicKey ownKey = self.privateKey().publicKey();
        Map<String, Optional<PublicKey>> keys = new TreeMap<>();
        members.values().forEach(m -> keys.put(m.name(), m == me ? Optional.of(ownKey) : m.pin().or(m::advertised)));
        Map<PublicKey, String> keyHolders = keyHolders(members.values(), me, keys, precedent);

        IpFamily underlayFamily = me.addresses().isEmpty() ? underlay.family() : me.addresses().get(0).family();
        List<PeerConfig> peers = new ArrayList<>();
        List<PeerReport> reports = new ArrayList<>();
        int expected = members.values().stream().mapToInt(m -> m.destinations().size() + m.addresses().size()).sum();
        List<Member> others = members.values().stream().filter(m -> m != me).toList();
        List<Cidr> bypass = new ArrayList<>(mesh.bypass());
        List<String> refusedBypass = new ArrayList<>();
        for (Cidr server : agentBypass) {
            controlPlaneRefusal(server, others).ifPresentOrElse(refusedBypass::add, () -> bypass.add(server));
        }
        // every route in one list, the one that wins first where destinations repeat (the sort keeps the first of
        // equals): bypass, local workloads, peers, nodes that are not peers. Sorted once at the end, in the order the
        // nodes come: where node names and their pod addresses ascend together (Azure CNI), nearly sorted already
        List<Route> routes = new ArrayList<>(expected + bypass.size());
        bypass.forEach(dst -> routes.add(Route.throwing(dst)));
        me.destinations().forEach(dst -> routes.add(Route.throwing(dst)));
        Map<PublicKey, SortedSet<Cidr>> tunnelled = new HashMap<>();
        Map<String, State> states = new TreeMap<>();
        others.forEach(o -> states.put(o.name(), state(o, keys.get(o.name()), keyHolders)));
        others.forEach(o -> reports.add(new PeerReport(o.name(), states.get(o.name()), keys.get(o.name()))));
        Function<Cidr, Route> tunnel = Route.via(owned.interfaceName());
        List<IpAddress> peerAddresses = new ArrayList<>();
        for (Member other : others) {
            if (states.get(other.name()) != State.PEERED) {
                continue;
            }
            PublicKey key = keys.get(other.name()).orElseThrow();
            peerAddresses.addAll(other.addresses());
            SortedSet<Cidr> allowed = SortedArraySet.union(other.destinations(),
                    other.addresses().stream().map(Cidr::host).toList());
            peers.add(new PeerConfig(key, Optional.of(endpoint(other, underlayFamily)),
                    mesh.wireguard().persistentKeepalive(), allowed));
            Collection<Cidr> reachable = reachable(other, mesh);
            reachable.forEach(dst -> routes.add(tunnel.apply(dst)));
            // what a local workload or a bypass takes over is not the peer's to route
            tunnelled.put(key, SortedArraySet.copyOf(reachable.stream()
                    .filter(dst -> !me.destinations().contains(dst) && !insideBypass(dst, bypass)).toList()));
        }
        Function<Cidr, Route> refuse = mesh.mode() == Mode.STRICT ? Route::prohibit : Route::throwing;
        // a key contest never releases a node's destinations: they stay guarded in both modes
        others.stream().filter(o -> states.get(o.name()) != State.PEERED).forEach(o -> reachable(o, mesh).forEach(dst ->
                routes.add(states.get(o.name()) == State.DUPLICATE_KEY ? Route.prohibit(dst) : refuse.apply(dst))));
        // nor does a contested destination: guarded unless this node claims it too (then it is local, no wire)
        LiveNode ownClaims = live.node(self.nodeName()).orElseThrow();
        claims.refused().stream().filter(RefusedClaim::guarded).map(RefusedClaim::claim).distinct()
                .filter(dst -> !claimedBy(ownClaims, dst)).forEach(dst -> routes.add(Route.prohibit(dst)));
        Set<Cidr> catchAll = strictCatchAll(mesh, live, routes);
        SortedArraySet<Route> sortedRoutes = SortedArraySet.copyOf(routes);
        // never into the tunnel: a peer's destination inside a bypass block goes the bypass way
        if (!bypass.isEmpty()) {
            sortedRoutes = SortedArraySet.copyOf(sortedRoutes.stream()
                    .filter(r -> r.device().isEmpty() || !insideBypass(r.destination(), bypass)).toList());
        }

        // routes sort by family first: the first and the last hold every family there is
        Set<IpFamily> families = EnumSet.noneOf(IpFamily.class);
        if (!sortedRoutes.isEmpty()) {
            families.add(sortedRoutes.first().destination().family());
            families.add(sortedRoutes.last().destination().family());
        }
        List<Rule> rules = families.stream()
                .map(f -> Rule.unmarkedTo(f, owned.rulePriority(), owned.firewallMark(), owned.table()))
                .toList();

        WireguardSpec wireguard = new WireguardSpec(mtu(mesh, me, underlay), self.privateKey(), me.listenPort(),
                owned.firewallMark(), peers);
        return new DesiredDataplane(owned, Optional.of(wireguard), sortedRoutes, rules,
                Optional.of(guard(owned, sortedRoutes, catchAll)), tunnelled,
                mesh.mode() == Mode.STRICT ? RouteType.PROHIBIT : RouteType.THROW,
                mesh.hostEncryption() ? HostEncryptionTables.of(owned.firewallMark(), owned.interfaceName(),
                        peerAddresses, mesh.wireguard().postQuantum() ? OptionalInt.of(PskExchange.PORT)
                                : OptionalInt.empty()) : List.of(),
                mesh.hostEncryption() ? HOST_ENCRYPTION_SYSCTLS : Map.of(),
                reports, claims.refused(), refusedBypass);
    }

    /**
     * Why an address DNS gave for a server the agent needs (Git, the API) may not bypass the tunnel: it is a
     * destination or address another node of the mesh holds. A DNS answer is no authority over where a pod's
     * traffic goes; signed {@code spec.bypass} blocks are.
     */
    private static Optional<String> controlPlaneRefusal(Cidr server, List<Member> others) {
        for (Member other : others) {
            // destinations are disjoint and sorted, a covering prefix first: the one at or just below is the candidate
            // and the first at or above it, when the server's block is the wider one
            SortedSet<Cidr> below = other.destinations().headSet(server);
            SortedSet<Cidr> above = other.destinations().tailSet(server);
            boolean held = !below.isEmpty() && below.last().overlaps(server) || !above.isEmpty() && above.first().overlaps(server)
                    || other.addresses().stream().anyMatch(server::contains);
            if (held) {
                return Optional.of("the control-plane address " + server + " (from DNS, for Git or the Kubernetes API) is"
                        + " a destination of node " + other.name() + ": not bypassed, it is routed as the mesh routes it");
            }
        }
        return Optional.empty();
    }

    /** Whether a bypass block holds {@code destination} whole: it then goes the bypass way, never into the tunnel. */
    private static boolean insideBypass(Cidr destination, List<Cidr> bypass) {
        for (Cidr block : bypass) {
            if (block.prefixLength() <= destination.prefixLength() && block.overlaps(destination)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Strict mode's last word on the workload networks: each is prohibited in table T, below every more specific
     * route (tunnelled, local, bypassed), so that no destination inside them leaves in plaintext, whatever the
     * inventory lists (a node the autoscaler added, an address nobody claims). Node addresses are thrown where
     * host traffic is not encrypted: kubelets and the API keep talking. Adds the routes; returns the networks.
     */
    private static Set<Cidr> strictCatchAll(MeshIntent mesh, LiveCluster live, List<Route> routes) {
        if (mesh.mode() != Mode.STRICT || mesh.workloadNetworks().isEmpty()) {
            return Set.of();
        }
        if (!mesh.hostEncryption()) {
            live.nodes().values().forEach(n -> n.addresses().forEach(a -> routes.add(Route.throwing(Cidr.host(a)))));
        }
        mesh.workloadNetworks().forEach(network -> routes.add(Route.prohibit(network)));
        return Set.copyOf(mesh.workloadNetworks());
    }

    /** Whether a node claims {@code destination}, or a destination overlapping it, as a pod IP, pod CIDR or address. */
    private static boolean claimedBy(LiveNode node, Cidr destination) {
        return node.podCIDRs().stream().anyMatch(destination::overlaps)
                || node.workloadIPs().stream().anyMatch(destination::contains)
                || node.addresses().stream().anyMatch(destination::contains);
    }

    /**
     * Every destination routed into the tunnel, and every one prohibited (in Strict mode every refused one, in
     * both a contested one): whatever goes missing later, a packet to them is dropped rather than sent in
     * plaintext. Strict mode's catch-all prohibits stay out: the guard would drop this node's own pods inside them.
     */
    private static Guard guard(Ownership owned, Collection<Route> routes, Set<Cidr> catchAll) {
        List<Cidr> guarded = routes.stream().filter(r -> r.device().isPresent() || r.type() == RouteType.PROHIBIT
                && !catchAll.contains(r.destination())).map(Route::destination).toList();
        return Guard.of(owned.firewallMark(), owned.interfaceName(), SortedArraySet.copyOf(guarded));
    }

    /**
     * Who holds each key published by more than one node of the mesh: this node its own (it has the private key);
     * else the one node that pins it, else the one whose addresses the precedent's peer of that key held (allowed
     * IPs list a peer's addresses). Another node publishing a key it does not hold is refused, not the holder; a
     * key no one holds by these rules is held by none, and every node publishing it is refused.
     */
    private static Map<PublicKey, String> keyHolders(Collection<Member> members, Member me,
            Map<String, Optional<PublicKey>> keys, Precedent precedent) {
        Map<PublicKey, List<Member>> claimants = new HashMap<>();
        members.stream().filter(m -> m.selected() && m.enabled()).forEach(m -> keys.get(m.name())
                .ifPresent(k -> claimants.computeIfAbsent(k, x -> new ArrayList<>(1)).add(m)));
        Map<PublicKey, String> holders = new HashMap<>(claimants.size() * 2);
        claimants.forEach((key, using) -> {
            if (using.size() == 1) {
                holders.put(key, using.get(0).name());
                return;
            }
            List<Member> holding = using.contains(me) ? List.of(me)
                    : using.stream().filter(m -> m.pin().equals(Optional.of(key))).toList();
            if (holding.size() != 1) {
                holding = using.stream().filter(m -> m.addresses().stream()
                        .anyMatch(a -> precedent.held(Optional.of(key), Cidr.host(a)))).toList();
            }
            if (holding.size() == 1) {
                holders.put(key, holding.get(0).name());
            }
        });
        return holders;
    }

    private static State state(Member other, Optional<PublicKey> key, Map<PublicKey, String> keyHolders) {
        if (!other.selected()) {
            return State.NOT_SELECTED;
        }
        if (!other.enabled()) {
            return State.DISABLED;
        }
        if (other.addresses().isEmpty()) {
            return State.NO_ADDRESS;
        }
        if (other.pin().isPresent() && other.advertised().isPresent() && !other.pin().equals(other.advertised())) {
            return State.KEY_MISMATCH;
        }
        if (key.isEmpty()) {
            return State.NO_KEY;
        }
        return other.name().equals(keyHolders.get(key.get())) ? State.PEERED : State.DUPLICATE_KEY;
    }

    /** What of a node gitwire routes: its workloads, and its addresses when host traffic is encrypted. */
    private static Collection<Cidr> reachable(Member node, MeshIntent mesh) {
        if (!mesh.hostEncryption()) {
            return node.destinations();
        }
        List<Cidr> destinations = new ArrayList<>(node.destinations());
        node.addresses().forEach(a -> destinations.add(Cidr.host(a)));
        return destinations;
    }

    /** The first address of the underlay's family, else the first (docs/reference/intent.md, spec.addresses). */
    private static Endpoint endpoint(Member peer, IpFamily family) {
        IpAddress address = peer.addresses().stream().filter(a -> a.family() == family).findFirst()
                .orElse(peer.addresses().get(0));
        return new Endpoint(address, peer.listenPort());
    }

    static MtuChoice mtu(MeshIntent mesh, Member me, Underlay underlay) {
        if (mesh.wireguard().mtu() instanceof Mtu.Fixed fixed) {
            return new MtuChoice(fixed.bytes(), "set in mesh.yaml");
        }
        int overhead = underlay.family() == IpFamily.IPV4 ? IPV4_OVERHEAD : IPV6_OVERHEAD;
        String on = underlay.interfaceName().map(n -> n + " MTU ").orElse("assumed underlay MTU ");
        StringBuilder reason = new StringBuilder(on).append(underlay.mtu()).append(" minus ").append(overhead)
                .append(" for an ").append(underlay.family() == IpFamily.IPV4 ? "IPv4" : "IPv6").append(" underlay");
        int mtu = underlay.mtu() - overhead;
        if (me.onAzure() && mesh.hostEncryption()) {
            mtu -= AZURE_HOST_ENCRYPTION_MARGIN;
            reason.append(", minus ").append(AZURE_HOST_ENCRYPTION_MARGIN)
                    .append(" on AKS with host encryption (Azure fragments at 1400 and WireGuard sets DF)");
        }
        if (mtu < Mtu.MIN) {
            reason.append(", raised to the IPv6 minimum ").append(Mtu.MIN);
            mtu = Mtu.MIN;
        }
        return new MtuChoice(mtu, reason.toString());
    }

    /** The nodes of the mesh, by name: the inventory joined with the live cluster, per the membership. */
    private static Map<String, Member> members(Intent intent, LiveCluster live) {
        MeshIntent mesh = intent.mesh();
        Map<String, Member> members = new TreeMap<>();
        Set<String> names = new TreeSet<>();
        if (mesh.membership() == Membership.INVENTORY) {
            intent.nodes().stream().map(MeshNode::name).filter(n -> live.node(n).isPresent()).forEach(names::add);
        } else {
            names.addAll(live.nodes().keySet());
        }
        for (String name : names) {
            LiveNode node = live.node(name).orElseThrow();
            Optional<MeshNode> listed = intent.node(name);
            Map<String, String> labels = new TreeMap<>(node.labels());
            listed.ifPresent(l -> labels.putAll(l.labels()));
            List<IpAddress> addresses = listed.map(MeshNode::addresses).filter(a -> !a.isEmpty())
                    .orElse(node.addresses());
            members.put(name, new Member(name, labels, addresses, destinations(mesh, node, listed),
                    listed.map(l -> l.wireguard().enabled()).orElse(true),
                    mesh.nodeSelector().matches(labels),
                    listed.flatMap(l -> l.wireguard().pinFor(node.advertisedKey())),
                    node.advertisedKey(),
                    intent.listenPort(name),
                    node.onAzure()));
        }
        return members;
    }

    /** Live pod IPs and static workload IPs as host prefixes, or the pod CIDRs (inventory's first); in order. */
    private static SortedSet<Cidr> destinations(MeshIntent mesh, LiveNode node, Optional<MeshNode> listed) {
        if (mesh.routeSource() == RouteSource.POD_CIDRS) {
            return SortedArraySet.copyOf(listed.map(MeshNode::podCIDRs).filter(c -> !c.isEmpty()).orElse(node.podCIDRs()));
        }
        List<Cidr> destinations = new ArrayList<>();
        node.workloadIPs().forEach(ip -> destinations.add(Cidr.host(ip)));
        listed.ifPresent(l -> l.workloadIPs().forEach(ip -> destinations.add(Cidr.host(ip))));
        return SortedArraySet.copyOf(destinations);
    }
}
