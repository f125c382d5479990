package dev.gitwire.desired;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Which peer key held which destinations before this computation: the WireGuard device as the kernel has it
 * (or the target reconciled to last). A contest (a key published by two nodes, an address claimed by two) is
 * settled for the node that held what is contested: a compromised node cannot take a key or an address away
 * from the node that had it, only refuse itself. An agent with no device yet has no precedent.
 */
public final class Precedent {

    public static final Precedent NONE = new Precedent(Map.of());

    private final Map<PublicKey, SortedSet<Cidr>> allowedIps;

    private Precedent(Map<PublicKey, SortedSet<Cidr>> allowedIps) {
        this.allowedIps = allowedIps;
    }

    /** The precedent of these peers: each key with the allowed IPs it had. */
    public static Precedent of(Collection<PeerConfig> peers) {
        Map<PublicKey, SortedSet<Cidr>> held = new HashMap<>(peers.size() * 2);
        peers.forEach(p -> held.put(p.publicKey(), p.allowedIps()));
        return new Precedent(Map.copyOf(held));
    }

    /** Whether {@code key} was a peer that held {@code destination} (exactly: allowed IPs are what was routed). */
    public boolean held(Optional<PublicKey> key, Cidr destination) {
        if (key.isEmpty()) {
            return false;
        }
        SortedSet<Cidr> held = allowedIps.get(key.get());
        return held != null && held.contains(destination);
    }
}
