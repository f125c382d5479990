package dev.gitwire.model;

import dev.gitwire.keys.PublicKey;
import java.util.List;
import java.util.Optional;

/**
 * A WireGuard device as observed. The private key is not kept: only the public key derived from it,
 * which is all a comparison needs.
 */
public record DeviceState(Optional<PublicKey> publicKey, int listenPort, long firewallMark, List<PeerState> peers) {

    public DeviceState {
        peers = List.copyOf(peers);
    }

    public Optional<PeerState> peer(PublicKey key) {
        return peers.stream().filter(p -> p.config().publicKey().equals(key)).findFirst();
    }
}
