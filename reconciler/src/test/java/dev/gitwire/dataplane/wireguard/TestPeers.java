package dev.gitwire.dataplane.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/** Peers for the WireGuard backends' tests: fresh keys, runs of host prefixes as allowed IPs, checks both run. */
final class TestPeers {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPeers() {}

    static PublicKey newPeerKey() {
        return PrivateKey.generate(RANDOM).publicKey();
    }

    /**
     * Issue 31: a pre-shared key set on a new peer in the peer's own update reads back equal, in gitwire and in
     * {@code wg show DEVICE preshared-keys} ({@code wgShow}), is printed nowhere by gitwire, and clears with zeros.
     */
    static void aPresharedKeyReadsBackAndClears(WireguardDevice device, UnaryOperator<String> wgShow) {
        byte[] raw = new byte[PresharedKey.LENGTH];
        RANDOM.nextBytes(raw);
        PresharedKey psk = PresharedKey.of(raw);
        PeerConfig peer = new PeerConfig(newPeerKey(), Optional.empty(), Duration.ZERO, new TreeSet<>(
                List.of(Cidr.parse("10.240.0.65/32"))), Optional.of(psk));
        device.apply(DeviceUpdate.peers(List.of(PeerUpdate.exactly(peer))));

        DeviceState read = device.read();
        assertThat(read.peers()).singleElement().satisfies(p -> assertThat(p.config()).isEqualTo(peer));
        assertThat(read.toString()).doesNotContain(Base64.getEncoder().encodeToString(raw));
        assertThat(wgShow.apply("preshared-keys")).contains(peer.publicKey().base64() + "\t"
                + Base64.getEncoder().encodeToString(raw));

        device.apply(DeviceUpdate.peers(List.of(new PeerUpdate(peer.publicKey(), false, Optional.empty(), Optional.empty(),
                false, List.of(), List.of(), Optional.of(PresharedKey.NONE)))));
        assertThat(device.read().peer(peer.publicKey()).orElseThrow().config().presharedKey()).isEmpty();
        assertThat(wgShow.apply("preshared-keys")).contains(peer.publicKey().base64() + "\t(none)");
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
