package dev.gitwire.model;

import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedSet;

/**
 * What gitwire configures for a peer; allowed IPs are a sorted set, so equal configs compare equal. No pre-shared
 * key is empty, never {@link PresharedKey#NONE}, whichever way it was read.
 */
public record PeerConfig(PublicKey publicKey, Optional<Endpoint> endpoint, Duration persistentKeepalive,
        SortedSet<Cidr> allowedIps, Optional<PresharedKey> presharedKey) {

    public PeerConfig {
        allowedIps = SortedArraySet.copyOf(allowedIps);
        presharedKey = presharedKey.filter(k -> !k.isNone());
    }

    /** A peer without a pre-shared key. */
    public PeerConfig(PublicKey publicKey, Optional<Endpoint> endpoint, Duration persistentKeepalive,
            SortedSet<Cidr> allowedIps) {
        this(publicKey, endpoint, persistentKeepalive, allowedIps, Optional.empty());
    }

    /** The same peer with {@code key} as its pre-shared key (none: empty). */
    public PeerConfig withPresharedKey(Optional<PresharedKey> key) {
        return new PeerConfig(publicKey, endpoint, persistentKeepalive, allowedIps, key);
    }
}
