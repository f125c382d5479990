package dev.gitwire.plan;

import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Guard;
import dev.gitwire.model.Link;
import dev.gitwire.model.NftTable;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.Route;
import dev.gitwire.model.Rule;
import dev.gitwire.net.Cidr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The kernel's semantics for each operation, as a pure function on observed state, for property tests
 * of the planner: an allowed IP added to a peer leaves its previous peer; a route add of an existing
 * destination and metric fails as EEXIST does; removing a device removes its peers; a guard element must
 * exist to be deleted. Sysctls found
 * before gitwire's first change are "0".
 */
public final class KernelSimulation {

    static final String ORIGINAL_SYSCTL = "0";

    private KernelSimulation() {}

    public static ObservedDataplane apply(ObservedDataplane state, Operation op) {
        Optional<Link> link = state.link();
        Optional<DeviceState> device = state.device();
        boolean anchored = state.linkAnchored();
        TreeSet<Route> routes = new TreeSet<>(state.routes());
        List<Rule> rules = new ArrayList<>(state.rules());
        Optional<Guard> guard = state.guard();
        List<NftTable> tables = new ArrayList<>(state.nftTables());
        Map<String, String> sysctls = new HashMap<>(state.sysctls());
        Set<String> remembered = new HashSet<>(state.rememberedSysctls());

        if (op instanceof Operation.CreateDevice c) {
            require(link.isEmpty(), "link exists");
            link = Optional.of(new Link(7, c.interfaceName(), Optional.of("wireguard"), c.mtu(), true));
            device = Optional.of(new DeviceState(Optional.empty(), 0, 0, List.of()));
            anchored = false;
        } else if (op instanceof Operation.AnchorLink) {
            require(link.isPresent(), "no link");
            anchored = true;
        } else if (op instanceof Operation.SetLink s) {
            Link l = link.orElseThrow();
            link = Optional.of(new Link(l.index(), l.name(), l.kind(), s.mtu(), s.up()));
        } else if (op instanceof Operation.DeleteDevice) {
            require(link.isPresent(), "no link");
            link = Optional.empty();
            device = Optional.empty();
            anchored = false;
            routes.removeIf(r -> r.device().isPresent()); // the kernel drops routes through a deleted link
        } else if (op instanceof Operation.ConfigureDevice c) {
            DeviceState d = device.orElseThrow();
            device = Optional.of(new DeviceState(c.privateKey().map(k -> k.publicKey()).or(d::publicKey),
                    c.listenPort().orElse(d.listenPort()), c.firewallMark().orElse(d.firewallMark()), d.peers()));
        } else if (op instanceof Operation.AddPeer a) {
            require(device.orElseThrow().peer(a.key()).isEmpty(), "peer exists");
            device = withPeers(device, peers -> peers.add(new PeerState(
                    new PeerConfig(a.key(), a.endpoint(), a.persistentKeepalive(), new TreeSet<>()),
                    Optional.empty(), 0, 0)));
        } else if (op instanceof Operation.UpdatePeer u) {
            device = withPeers(device, peers -> peers.replaceAll(p -> p.config().publicKey().equals(u.key())
                    ? new PeerState(new PeerConfig(u.key(), u.endpoint(), u.persistentKeepalive(),
                            p.config().allowedIps(), p.config().presharedKey()), p.latestHandshake(), p.receivedBytes(),
                            p.sentBytes())
                    : p));
        } else if (op instanceof Operation.SetPresharedKey s) {
            require(device.orElseThrow().peer(s.key()).isPresent(), "no such peer");
            device = withPeers(device, peers -> peers.replaceAll(p -> p.config().publicKey().equals(s.key())
                    ? new PeerState(p.config().withPresharedKey(s.presharedKey()), p.latestHandshake(),
                            p.receivedBytes(), p.sentBytes())
                    : p));
        } else if (op instanceof Operation.RemovePeer r) {
            device = withPeers(device, peers -> peers.removeIf(p -> p.config().publicKey().equals(r.key())));
        } else if (op instanceof Operation.AddAllowedIp a) {
            require(device.orElseThrow().peer(a.key()).isPresent(), "no such peer");
            device = withPeers(device, peers -> peers.replaceAll(p -> withIps(p, ips -> {
                if (p.config().publicKey().equals(a.key())) {
                    ips.add(a.cidr());
                } else {
                    ips.remove(a.cidr());
                }
            })));
        } else if (op instanceof Operation.RemoveAllowedIp r) {
            device = withPeers(device, peers -> peers.replaceAll(p -> p.config().publicKey().equals(r.key())
                    ? withIps(p, ips -> ips.remove(r.cidr())) : p));
        } else if (op instanceof Operation.AddRoute a) {
            require(routes.stream().noneMatch(r -> sameKey(r, a.route())), "route exists");
            routes.add(a.route());
        } else if (op instanceof Operation.ReplaceRoute r) {
            routes.removeIf(x -> sameKey(x, r.route()));
            routes.add(r.route());
        } else if (op instanceof Operation.DeleteRoute d) {
            require(routes.removeIf(x -> sameKey(x, d.route())), "no such route");
        } else if (op instanceof Operation.AddRule a) {
            require(!rules.contains(a.rule()), "rule exists");
            rules.add(a.rule());
        } else if (op instanceof Operation.DeleteRule d) {
            require(rules.remove(d.rule()), "no such rule");
        } else if (op instanceof Operation.InstallGuard i) {
            guard = Optional.of(i.guard());
        } else if (op instanceof Operation.GuardDestination g) {
            Guard have = guard.orElseThrow(() -> new IllegalStateException("the kernel would refuse this: no guard"));
            TreeSet<Cidr> destinations = new TreeSet<>(have.destinations());
            destinations.add(g.destination());
            guard = Optional.of(new Guard(have.firewallMark(), have.interfaceName(), have.hostCapacity(), destinations));
            require(guard.get().hostsPerFamily() <= have.hostCapacity(), "set is full");
        } else if (op instanceof Operation.ReleaseDestination r) {
            Guard have = guard.orElseThrow(() -> new IllegalStateException("the kernel would refuse this: no guard"));
            TreeSet<Cidr> destinations = new TreeSet<>(have.destinations());
            require(destinations.remove(r.destination()), "no such element");
            guard = Optional.of(new Guard(have.firewallMark(), have.interfaceName(), have.hostCapacity(), destinations));
        } else if (op instanceof Operation.DeleteGuard) {
            require(guard.isPresent(), "no guard");
            guard = Optional.empty();
        } else if (op instanceof Operation.ReplaceNftTable r) {
            tables.removeIf(t -> t.family().equals(r.table().family()) && t.name().equals(r.table().name()));
            tables.add(r.table());
        } else if (op instanceof Operation.DeleteNftTable d) {
            tables.removeIf(t -> t.family().equals(d.family()) && t.name().equals(d.name()));
        } else if (op instanceof Operation.SetSysctl s) {
            remembered.add(s.name());
            sysctls.put(s.name(), s.value());
        } else if (op instanceof Operation.RestoreSysctl r) {
            remembered.remove(r.name());
            sysctls.put(r.name(), ORIGINAL_SYSCTL);
        }
        return new ObservedDataplane(link, device, anchored, routes, rules, guard, tables, sysctls, remembered);
    }

    private static boolean sameKey(Route a, Route b) {
        return a.destination().equals(b.destination()) && a.metric() == b.metric();
    }

    private static void require(boolean condition, String error) {
        if (!condition) {
            throw new IllegalStateException("the kernel would refuse this: " + error);
        }
    }

    private interface Edit<T> {
        void apply(T value);
    }

    private static Optional<DeviceState> withPeers(Optional<DeviceState> device, Edit<List<PeerState>> edit) {
        DeviceState d = device.orElseThrow();
        List<PeerState> peers = new ArrayList<>(d.peers());
        edit.apply(peers);
        return Optional.of(new DeviceState(d.publicKey(), d.listenPort(), d.firewallMark(), peers));
    }

    private static PeerState withIps(PeerState peer, Edit<TreeSet<Cidr>> edit) {
        TreeSet<Cidr> ips = new TreeSet<>(peer.config().allowedIps());
        edit.apply(ips);
        PeerConfig c = peer.config();
        return new PeerState(new PeerConfig(c.publicKey(), c.endpoint(), c.persistentKeepalive(), ips, c.presharedKey()),
                peer.latestHandshake(), peer.receivedBytes(), peer.sentBytes());
    }
}
