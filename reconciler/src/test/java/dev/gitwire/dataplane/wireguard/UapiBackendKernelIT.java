package dev.gitwire.dataplane.wireguard;

import static dev.gitwire.dataplane.wireguard.TestPeers.hosts;
import static dev.gitwire.dataplane.wireguard.TestPeers.newPeerKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.WireguardGoHost;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The userspace backend against a real wireguard-go, checked by gitwire and by `wg show`. */
@Privileged
class UapiBackendKernelIT {

    private static final SecureRandom RANDOM = new SecureRandom();

    private WireguardGoHost host;
    private WireguardDevice device;

    @BeforeEach
    void startWireguardGo() {
        host = new WireguardGoHost();
        host.startWireguardGo("wg-test");
        device = new WireguardDevice(new UapiBackend(host.socketDirectory(), "wg-test"));
    }

    @AfterEach
    void stop() {
        device.close();
        host.close();
    }

    @Test
    void aConfiguredDeviceReadsBackTheSameInGitwireAndInWg() {
        PrivateKey key = PrivateKey.generate(RANDOM);
        PeerConfig peer = new PeerConfig(newPeerKey(), Optional.of(new Endpoint(IpAddress.parse("10.240.0.64"), 51820)),
                Duration.ofSeconds(25), new TreeSet<>(List.of(Cidr.parse("10.240.0.65/32"), Cidr.parse("10.240.0.64/32"),
                        Cidr.parse("fd00::41/128"))));
        device.apply(new DeviceUpdate(Optional.of(key), OptionalInt.of(51821), OptionalLong.of(0x100000), true,
                List.of(PeerUpdate.exactly(peer))));

        DeviceState state = device.read();
        assertThat(state.publicKey()).contains(key.publicKey());
        assertThat(state.listenPort()).isEqualTo(51821);
        assertThat(state.firewallMark()).isEqualTo(0x100000);
        assertThat(state.peers()).singleElement().satisfies(p -> {
            assertThat(p.config()).isEqualTo(peer);
            assertThat(p.latestHandshake()).isEmpty();
        });

        String dump = host.run("wg", "show", "wg-test", "dump");
        assertThat(dump.lines().findFirst().orElseThrow())
                .isEqualTo(key.base64() + "\t" + key.publicKey().base64() + "\t51821\t0x100000");
        assertThat(dump.lines().skip(1).findFirst().orElseThrow()).startsWith(peer.publicKey().base64())
                .contains("\t10.240.0.64:51820\t").contains("10.240.0.64/32").contains("fd00::41/128").endsWith("\t25");
    }

    @Test
    void aPresharedKeyReadsBackAndClears() {
        TestPeers.aPresharedKeyReadsBackAndClears(device, what -> host.run("wg", "show", "wg-test", what));
    }

    @Test
    void removingSomeAllowedIpsLeavesThePeersOthersAndOtherPeersAlone() {
        PublicKey a = newPeerKey();
        PublicKey b = newPeerKey();
        List<Cidr> ofA = hosts("10.64.", 0, 500);
        List<Cidr> ofB = hosts("10.65.", 0, 20);
        device.apply(DeviceUpdate.peers(List.of(
                PeerUpdate.exactly(new PeerConfig(a, Optional.empty(), Duration.ZERO, new TreeSet<>(ofA))),
                PeerUpdate.exactly(new PeerConfig(b, Optional.empty(), Duration.ZERO, new TreeSet<>(ofB))))));

        List<Cidr> removed = ofA.subList(100, 110);
        device.apply(DeviceUpdate.peers(List.of(PeerUpdate.removeAllowedIps(a, removed))));

        TreeSet<Cidr> expectedA = new TreeSet<>(ofA);
        removed.forEach(expectedA::remove);
        DeviceState state = device.read();
        assertThat(state.peers()).hasSize(2); // the parking peer is gone
        assertThat(state.peer(a).orElseThrow().config().allowedIps()).containsExactlyElementsOf(expectedA);
        assertThat(state.peer(b).orElseThrow().config().allowedIps()).containsExactlyElementsOf(new TreeSet<>(ofB));
        assertThat(host.run("wg", "show", "wg-test", "allowed-ips").lines()).hasSize(2)
                .noneMatch(l -> l.contains("10.64.0.100/32"));
    }

    @Test
    void anAllowedIpMovesBetweenPeersByBeingAdded() {
        PublicKey a = newPeerKey();
        PublicKey b = newPeerKey();
        device.apply(DeviceUpdate.peers(List.of(
                PeerUpdate.exactly(new PeerConfig(a, Optional.empty(), Duration.ZERO,
                        new TreeSet<>(List.of(Cidr.parse("10.64.0.1/32"), Cidr.parse("10.64.0.2/32"))))),
                PeerUpdate.exactly(new PeerConfig(b, Optional.empty(), Duration.ZERO, new TreeSet<>())))));

        device.apply(DeviceUpdate.peers(List.of(PeerUpdate.addAllowedIps(b, List.of(Cidr.parse("10.64.0.2/32"))))));

        DeviceState state = device.read();
        assertThat(state.peer(a).orElseThrow().config().allowedIps()).containsExactly(Cidr.parse("10.64.0.1/32"));
        assertThat(state.peer(b).orElseThrow().config().allowedIps()).containsExactly(Cidr.parse("10.64.0.2/32"));
    }

    @Test
    void aRefusedUpdateIsATypedError() {
        assertThatThrownBy(() -> device.apply(new DeviceUpdate(Optional.empty(), OptionalInt.empty(),
                OptionalLong.empty(), false, List.of(new PeerUpdate(newPeerKey(), false,
                        Optional.of(new Endpoint(IpAddress.parse("10.0.0.1"), 0)), Optional.of(Duration.ofSeconds(70000)),
                        false, List.of(), List.of(), Optional.empty())))))
                .isInstanceOf(WireguardException.class);
        assertThatThrownBy(() -> new WireguardDevice(new UapiBackend(host.socketDirectory(), "nope0")).read())
                .isInstanceOf(WireguardException.class).hasMessageContaining("nope0.sock");
    }
}
