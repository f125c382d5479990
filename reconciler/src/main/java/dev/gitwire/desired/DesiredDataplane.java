package dev.gitwire.desired;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Guard;
import dev.gitwire.model.NftTable;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.model.Rule;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The kernel state one node must have (docs/reference/kernel.md), or, when {@link #wireguard()} is empty, the
 * absence of everything gitwire owns. The names of what gitwire owns are always set, so that a teardown knows them.
 * {@link #tunnelled()} says which destinations each peer's routes lead into the tunnel, for the
 * {@link HandshakeGate} to hold back those of peers not yet proven by a handshake, by {@link #refusal()}:
 * a throw route in Opportunistic mode, a prohibit route in Strict.
 */
public record DesiredDataplane(
        Ownership owned,
        Optional<WireguardSpec> wireguard,
        SortedSet<Route> routes,
        List<Rule> rules,
        Optional<Guard> guard,
        Map<PublicKey, SortedSet<Cidr>> tunnelled,
        RouteType refusal,
        List<NftTable> nftTables,
        Map<String, String> sysctls,
        List<PeerReport> reports,
        List<RefusedClaim> refusedClaims,
        List<String> refusedBypass) {

    public DesiredDataplane {
        routes = SortedArraySet.copyOf(routes);
        rules = List.copyOf(rules);
        tunnelled = Collections.unmodifiableMap(new TreeMap<>(tunnelled));
        nftTables = List.copyOf(nftTables);
        sysctls = Map.copyOf(sysctls);
        reports = List.copyOf(reports);
        refusedClaims = List.copyOf(refusedClaims);
        refusedBypass = List.copyOf(refusedBypass);
    }

    /** What gitwire owns on this node, by name: the link, table T, the rule priority and the firewall mark. */
    public record Ownership(String interfaceName, long table, long rulePriority, long firewallMark) {}

    /** The WireGuard link and device. */
    public record WireguardSpec(MtuChoice mtu, PrivateKey privateKey, int listenPort, long firewallMark,
            List<PeerConfig> peers) {
        public WireguardSpec {
            peers = List.copyOf(peers);
        }
    }

    public static DesiredDataplane absent(Ownership owned, List<PeerReport> reports) {
        return new DesiredDataplane(owned, Optional.empty(), new TreeSet<>(), List.of(), Optional.empty(), Map.of(),
                RouteType.THROW, List.of(), Map.of(), reports, List.of(), List.of());
    }

    /** The same state with other WireGuard peers (the device itself as it is). */
    public DesiredDataplane withPeers(List<PeerConfig> peers) {
        WireguardSpec wg = wireguard.orElseThrow();
        return new DesiredDataplane(owned, Optional.of(new WireguardSpec(wg.mtu(), wg.privateKey(), wg.listenPort(),
                wg.firewallMark(), peers)), routes, rules, guard, tunnelled, refusal, nftTables, sysctls, reports,
                refusedClaims, refusedBypass);
    }

    public boolean enabled() {
        return wireguard.isPresent();
    }

    /** The peers that wait for a handshake before their destinations are routed into the tunnel, by node. */
    public List<String> awaitingHandshake() {
        return reports.stream().filter(r -> r.state() == PeerReport.State.AWAITING_HANDSHAKE).map(PeerReport::node)
                .toList();
    }

    /** The keys of the peers in {@code state} (a report without a key has none to give). */
    public Set<PublicKey> peerKeys(PeerReport.State state) {
        Set<PublicKey> keys = new HashSet<>();
        reports.stream().filter(r -> r.state() == state).forEach(r -> r.key().ifPresent(keys::add));
        return keys;
    }
}
