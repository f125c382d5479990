package dev.gitwire.desired;

import dev.gitwire.net.IpFamily;
import java.util.Optional;

/** The interface that holds the node's first address, as observed: what the MTU is computed from. */
public record Underlay(Optional<String> interfaceName, int mtu, IpFamily family) {

    /** Nothing found: the address is not on a local interface (NAT), so the usual Ethernet MTU is assumed. */
    public static Underlay unknown(IpFamily family) {
        return new Underlay(Optional.empty(), 1500, family);
    }
}
