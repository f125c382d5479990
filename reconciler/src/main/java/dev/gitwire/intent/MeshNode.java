package dev.gitwire.intent;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.pq.PqPublicKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** nodes/NAME.yaml: one node of the inventory, with every default applied. */
public record MeshNode(
        String name,
        Map<String, String> labels,
        List<IpAddress> addresses,
        NodeWireguard wireguard,
        List<Cidr> podCIDRs,
        List<IpAddress> workloadIPs) {

    public MeshNode {
        labels = Map.copyOf(labels);
        addresses = List.copyOf(addresses);
        podCIDRs = List.copyOf(podCIDRs);
        workloadIPs = List.copyOf(workloadIPs);
    }

    /**
     * The per-node WireGuard settings: an opt-out for mixed clusters, a key pin and the key it moves to next (a
     * rotation of a pinned key, trusted alongside the pin until a commit moves it over), a port of its own, a pin of
     * its post-quantum key.
     */
    public record NodeWireguard(boolean enabled, Optional<PublicKey> publicKey, Optional<PublicKey> nextPublicKey,
            OptionalInt listenPort, Optional<PqPublicKey> postQuantumPublicKey) {
        public static final NodeWireguard DEFAULT = new NodeWireguard(true, Optional.empty(), Optional.empty(),
                OptionalInt.empty(), Optional.empty());

        /**
         * The pin a node that publishes {@code advertised} is held to: once a next key is committed, the next one,
         * unless the node still publishes the first (its agent has not switched yet). A node that publishes nothing
         * (no status branch, no API) switches when the commit lands, and so do its peers.
         */
        public Optional<PublicKey> pinFor(Optional<PublicKey> advertised) {
            return nextPublicKey.isEmpty() || publicKey.equals(advertised) ? publicKey : nextPublicKey;
        }
    }
}
