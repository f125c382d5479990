package dev.gitwire.dataplane.wireguard;

import static dev.gitwire.dataplane.wireguard.TestPeers.hosts;
import static dev.gitwire.dataplane.wireguard.TestPeers.newPeerKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.testing.KernelWireguard;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.TestNamespace;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generic-netlink backend against kernel WireGuard (issue 16), in tools/kernel-vm: what production
 * nodes run. Each test in network namespaces of its own; every read checked against `wg show` too.
 */
@KernelWireguard
class KernelBackendKernelTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestNamespace ns;
    private WireguardLink.Opened opened;

    @BeforeEach
    void createKernelLink() {
        ns = new TestNamespace();
        opened = open(ns, "wg-test");
    }

    @AfterEach
    void stop() {
        opened.device().close();
        ns.close();
    }

    private static WireguardLink.Opened open(TestNamespace in, String name) {
        NetlinkConnection netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, in.namespace());
        WireguardLink.Opened link = new WireguardLink(netlink, new WireguardGoLauncher(List.of(), "wireguard-go",
                Path.of("/run/wireguard"))).open(name, WireguardLink.Preference.KERNEL);
        netlink.close();
        return link;
    }

    @Test
    void aKernelLinkIsCreatedConfiguredAndReadsBackTheSameInGitwireAndInWg() {
        assertThat(opened.backend()).isEqualTo("kernel");
        assertThat(ns.ip("-d", "link", "show", "wg-test")).contains("wireguard"); // not a TUN of wireguard-go
        PrivateKey key = PrivateKey.generate(RANDOM);
        PeerConfig peer = new PeerConfig(newPeerKey(), Optional.of(new Endpoint(IpAddress.parse("10.240.0.64"), 51820)),
                Duration.ofSeconds(25), new TreeSet<>(List.of(Cidr.parse("10.240.0.65/32"), Cidr.parse("10.240.0.64/32"),
                        Cidr.parse("fd00::41/128"), Cidr.parse("10.244.3.0/24"))));
        opened.device().apply(new DeviceUpdate(Optional.of(key), OptionalInt.of(51821), OptionalLong.of(0x100000), true,
                List.of(PeerUpdate.exactly(peer))));

        DeviceState state = opened.device().read();
        assertThat(state.publicKey()).contains(key.publicKey());
        assertThat(state.listenPort()).isEqualTo(51821);
        assertThat(state.firewallMark()).isEqualTo(0x100000);
        assertThat(state.peers()).singleElement().satisfies(p -> assertThat(p.config()).isEqualTo(peer));
        String dump = ns.exec("wg", "show", "wg-test", "dump");
        assertThat(dump.lines().findFirst().orElseThrow())
                .isEqualTo(key.base64() + "\t" + key.publicKey().base64() + "\t51821\t0x100000");
        assertThat(dump.lines().skip(1).findFirst().orElseThrow()).startsWith(peer.publicKey().base64())
                .contains("\t10.240.0.64:51820\t").contains("10.244.3.0/24").contains("fd00::41/128").endsWith("\t25");
    }

    @Test
    void aPresharedKeyReadsBackAndClears() {
        TestPeers.aPresharedKeyReadsBackAndClears(opened.device(), what -> ns.exec("wg", "show", "wg-test", what));
    }

    @Test
    void anUpdateLargerThanOneNetlinkMessageIsSplitAndAppliedWhole() {
        PublicKey peer = newPeerKey();
        List<Cidr> many = hosts("10.64.", 0, 10_000); // some 200 KB of attributes: many messages
        opened.device().apply(DeviceUpdate.peers(List.of(
                PeerUpdate.exactly(new PeerConfig(peer, Optional.empty(), Duration.ZERO, new TreeSet<>(many))))));

        assertThat(opened.device().read().peer(peer).orElseThrow().config().allowedIps())
                .containsExactlyElementsOf(new TreeSet<>(many));
        assertThat(ns.exec("wg", "show", "wg-test", "allowed-ips").split("\\s+")).hasSize(10_001);
    }

    @Test
    void aThousandPeersWithAHundredAllowedIpsEachReadBackThroughAMultiMessageDump() {
        List<PeerUpdate> peers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            peers.add(PeerUpdate.exactly(new PeerConfig(newPeerKey(), Optional.of(new Endpoint(
                    IpAddress.parse("10.240." + (i / 256) + "." + (i % 256)), 51820)), Duration.ZERO,
                    new TreeSet<>(hosts("10." + (64 + i / 256) + ".", (i % 256) * 100, 100)))));
        }
        opened.device().apply(DeviceUpdate.peers(peers));

        DeviceState state = opened.device().read();
        assertThat(state.peers()).hasSize(1_000);
        assertThat(state.peers().stream().mapToInt(p -> p.config().allowedIps().size()).sum()).isEqualTo(100_000);
        for (PeerUpdate sent : peers) {
            assertThat(state.peer(sent.publicKey()).orElseThrow().config().allowedIps())
                    .containsExactlyElementsOf(new TreeSet<>(sent.addAllowedIps()));
        }
        assertThat(ns.exec("wg", "show", "wg-test", "peers").lines()).hasSize(1_000);
    }

    /**
     * Before Linux 6.16 the kernel cannot remove one allowed IP; the backend replaces the peer's list
     * instead, which must not reset the peer: its session, endpoint and counters stay.
     */
    @Test
    void removingAnAllowedIpKeepsThePeersSessionAndCounters() throws Exception {
        try (TestNamespace other = new TestNamespace()) {
            WireguardLink.Opened far = open(other, "wg-far");
            try {
                PrivateKey near = PrivateKey.generate(RANDOM);
                PrivateKey farKey = PrivateKey.generate(RANDOM);
                Shell.run("ip", "link", "add", "v-" + ns.name(), "netns", ns.name(), "type", "veth", "peer", "name",
                        "v-far", "netns", other.name());
                ns.ip("addr", "add", "10.99.0.1/24", "dev", "v-" + ns.name());
                ns.ip("link", "set", "v-" + ns.name(), "up");
                other.ip("addr", "add", "10.99.0.2/24", "dev", "v-far");
                other.ip("link", "set", "v-far", "up");
                List<Cidr> farIps = List.of(Cidr.parse("10.100.0.2/32"), Cidr.parse("10.100.9.9/32"));
                opened.device().apply(new DeviceUpdate(Optional.of(near), OptionalInt.of(51820), OptionalLong.empty(),
                        true, List.of(PeerUpdate.exactly(new PeerConfig(farKey.publicKey(), Optional.of(
                                new Endpoint(IpAddress.parse("10.99.0.2"), 51820)), Duration.ZERO, new TreeSet<>(farIps))))));
                far.device().apply(new DeviceUpdate(Optional.of(farKey), OptionalInt.of(51820), OptionalLong.empty(),
                        true, List.of(PeerUpdate.exactly(new PeerConfig(near.publicKey(), Optional.of(
                                new Endpoint(IpAddress.parse("10.99.0.1"), 51820)), Duration.ZERO,
                                new TreeSet<>(List.of(Cidr.parse("10.100.0.1/32"))))))));
                ns.ip("addr", "add", "10.100.0.1/32", "dev", "wg-test");
                ns.ip("link", "set", "wg-test", "up");
                ns.ip("route", "add", "10.100.0.2/32", "dev", "wg-test");
                other.ip("addr", "add", "10.100.0.2/32", "dev", "wg-far");
                other.ip("link", "set", "wg-far", "up");
                other.ip("route", "add", "10.100.0.1/32", "dev", "wg-far");
                ns.exec("ping", "-c", "3", "-W", "5", "10.100.0.2");
                PeerState before = opened.device().read().peer(farKey.publicKey()).orElseThrow();
                assertThat(before.latestHandshake()).isPresent();

                opened.device().apply(DeviceUpdate.peers(List.of(
                        PeerUpdate.removeAllowedIps(farKey.publicKey(), List.of(Cidr.parse("10.100.9.9/32"))))));

                PeerState after = opened.device().read().peer(farKey.publicKey()).orElseThrow();
                assertThat(after.config().allowedIps()).containsExactly(Cidr.parse("10.100.0.2/32"));
                assertThat(after.latestHandshake()).isEqualTo(before.latestHandshake());
                assertThat(after.config().endpoint()).isEqualTo(before.config().endpoint());
                assertThat(after.receivedBytes()).isGreaterThanOrEqualTo(before.receivedBytes()).isPositive();
                ns.exec("ping", "-c", "1", "-W", "5", "10.100.0.2"); // the session carries on
            } finally {
                far.device().close();
            }
        }
    }
}
