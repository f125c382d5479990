package dev.gitwire.intent;

import java.time.Duration;
import java.util.Optional;

/**
 * The WireGuard device every participating node runs, how old its key may grow before the node replaces it (none:
 * never), and whether each pair of peers adds a post-quantum pre-shared key.
 */
public record WireguardSettings(String interfaceName, int listenPort, long firewallMark, Mtu mtu,
        Duration persistentKeepalive, Optional<Duration> keyRotation, boolean postQuantum) {

    /** A rotation at most daily: every rotation costs each peer a handshake and a peer update. */
    public static final Duration MIN_KEY_ROTATION = Duration.ofHours(24);
    public static final Duration MAX_KEY_ROTATION = Duration.ofDays(365);

    public static final WireguardSettings DEFAULT =
            new WireguardSettings("gitwire0", 51820, 0x2000L, new Mtu.Auto(), Duration.ZERO, Optional.empty(), false);
}
