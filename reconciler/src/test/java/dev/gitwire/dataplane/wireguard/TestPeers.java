package dev.gitwire.dataplane.wireguard;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/** Peers for the WireGuard backends' tests: fresh keys, and runs of host prefixes as allowed IPs. */
final class TestPeers {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPeers() {}

    static PublicKey newPeerKey() {
        return PrivateKey.generate(RANDOM).publicKey();
    }

    /** {@code count} /32s from {@code prefix} (two octets and a dot) plus {@code from}, the last two octets counted up. */
    static List<Cidr> hosts(String prefix, int from, int count) {
        List<Cidr> cidrs = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            cidrs.add(Cidr.host(IpAddress.parse(prefix + (i / 256) + "." + (i % 256))));
        }
        return cidrs;
    }
}
