package dev.gitwire.desired;

import dev.gitwire.dataplane.model.NftTable;
import dev.gitwire.dataplane.model.PeerConfig;
import dev.gitwire.dataplane.model.Route;
import dev.gitwire.dataplane.model.Rule;
import dev.gitwire.keys.PrivateKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The kernel state one node must have (DESIGN §4), or, when {@link #wireguard()} is empty, the absence of
 * everything gitwire owns. The names of what gitwire owns are always set, so that a teardown knows them.
 */
public record DesiredDataplane(
        Ownership owned,
        Optional<WireguardSpec> wireguard,
        SortedSet<Route> routes,
        List<Rule> rules,
        List<NftTable> nftTables,
        Map<String, String> sysctls,
        List<PeerReport> reports) {

    public DesiredDataplane {
        routes = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(routes));
        rules = List.copyOf(rules);
        nftTables = List.copyOf(nftTables);
        sysctls = Map.copyOf(sysctls);
        reports = List.copyOf(reports);
    }

    /** What gitwire owns on this node, by name: the link, table T, the rule priority and the nft table name. */
    public record Ownership(String interfaceName, long table, long rulePriority, long firewallMark) {}

    /** The WireGuard link and device. */
    public record WireguardSpec(MtuChoice mtu, PrivateKey privateKey, int listenPort, long firewallMark,
            List<PeerConfig> peers) {
        public WireguardSpec {
            peers = List.copyOf(peers);
        }
    }

    public static DesiredDataplane absent(Ownership owned, List<PeerReport> reports) {
        return new DesiredDataplane(owned, Optional.empty(), new TreeSet<>(), List.of(), List.of(), Map.of(), reports);
    }

    public boolean enabled() {
        return wireguard.isPresent();
    }
}
