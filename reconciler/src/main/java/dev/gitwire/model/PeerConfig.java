package dev.gitwire.model;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedSet;

/** What gitwire configures for a peer; allowed IPs are a sorted set, so equal configs compare equal. */
public record PeerConfig(PublicKey publicKey, Optional<Endpoint> endpoint, Duration persistentKeepalive,
        SortedSet<Cidr> allowedIps) {

    public PeerConfig {
        allowedIps = SortedArraySet.copyOf(allowedIps);
    }
}
