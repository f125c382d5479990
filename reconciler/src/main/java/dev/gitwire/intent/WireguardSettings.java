package dev.gitwire.intent;

import java.time.Duration;

/** The WireGuard device every participating node runs. */
public record WireguardSettings(String interfaceName, int listenPort, long firewallMark, Mtu mtu,
        Duration persistentKeepalive) {

    public static final WireguardSettings DEFAULT =
            new WireguardSettings("gitwire0", 51820, 0x2000L, new Mtu.Auto(), Duration.ZERO);
}
