package dev.gitwire.plan;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Guard;
import dev.gitwire.model.Link;
import dev.gitwire.model.NftTable;
import dev.gitwire.model.Route;
import dev.gitwire.model.Rule;
import dev.gitwire.model.SortedArraySet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the kernel has of what gitwire owns: link W, whether it holds its anchor address, its device, every
 * route of table T, the rules that lead into T, the guard, gitwire's other nft tables, and the sysctls
 * gitwire manages (their values, and which have an original value remembered).
 */
public record ObservedDataplane(
        Optional<Link> link,
        Optional<DeviceState> device,
        boolean linkAnchored,
        SortedSet<Route> routes,
        List<Rule> rules,
        Optional<Guard> guard,
        List<NftTable> nftTables,
        Map<String, String> sysctls,
        Set<String> rememberedSysctls) {

    public ObservedDataplane {
        routes = SortedArraySet.copyOf(routes);
        rules = List.copyOf(rules);
        nftTables = List.copyOf(nftTables);
        sysctls = Map.copyOf(sysctls);
        rememberedSysctls = Set.copyOf(rememberedSysctls);
    }

    public static ObservedDataplane empty() {
        return new ObservedDataplane(Optional.empty(), Optional.empty(), false, new TreeSet<>(), List.of(),
                Optional.empty(), List.of(), Map.of(), Set.of());
    }

    /** The peers of the device that completed a handshake since they were configured. */
    public Set<PublicKey> handshaken() {
        Set<PublicKey> keys = new HashSet<>();
        device.ifPresent(d -> d.peers().stream().filter(p -> p.latestHandshake().isPresent())
                .forEach(p -> keys.add(p.config().publicKey())));
        return keys;
    }

    /** Whether link W is one gitwire may change: a kernel WireGuard link, or a TUN with a device behind it. */
    public boolean linkIsOurs() {
        return link.map(l -> l.kind().filter(k -> k.equals("wireguard")).isPresent()
                || (l.kind().filter(k -> k.equals("tun")).isPresent() && device.isPresent())).orElse(false);
    }
}
