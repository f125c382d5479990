package dev.gitwire.dataplane.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.WireguardGoHost;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** On this kernel, without a WireGuard module, automatic choice falls back to wireguard-go. */
@Privileged
class WireguardLinkKernelIT {

    private WireguardGoHost host;
    private NetlinkConnection netlink;
    private WireguardLink wireguard;

    @BeforeEach
    void host() {
        host = new WireguardGoHost();
        netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, host.namespace().namespace());
        wireguard = new WireguardLink(netlink, new WireguardGoLauncher(host.inside(), "wireguard-go",
                host.socketDirectory()));
    }

    @AfterEach
    void stop() {
        netlink.close();
        host.close();
    }

    @Test
    void autoStartsWireguardGoWhereTheKernelHasNoWireguard() {
        WireguardLink.Opened opened = wireguard.open("gitwire0", WireguardLink.Preference.AUTO);
        assertThat(opened.backend()).isEqualTo("userspace");
        assertThat(opened.link().kind()).contains("tun");
        opened.device().apply(new DeviceUpdate(Optional.empty(), OptionalInt.of(51820), OptionalLong.of(0x100000),
                false, List.of()));
        assertThat(host.run("wg", "show", "gitwire0", "listen-port").strip()).isEqualTo("51820");

        // a second open (an agent restart) attaches to the running wireguard-go
        WireguardLink.Opened again = wireguard.open("gitwire0", WireguardLink.Preference.AUTO);
        assertThat(again.link().index()).isEqualTo(opened.link().index());
        assertThat(again.device().read().listenPort()).isEqualTo(51820);
    }

    @Test
    void theKernelChoiceFailsClearlyAndAForeignLinkIsLeftAlone() {
        assertThatThrownBy(() -> wireguard.open("wg-kernel", WireguardLink.Preference.KERNEL))
                .isInstanceOf(WireguardException.class).hasMessageContaining("cannot create a kernel WireGuard link");
        assertThatThrownBy(() -> new KernelBackend(NetlinkConnection.open(NetlinkSocket.NETLINK_GENERIC,
                host.namespace().namespace()), "wg0")).isInstanceOf(NetlinkException.ObjectNotFound.class);

        host.namespace().ip("link", "add", "gitwire0", "type", "veth", "peer", "name", "other0");
        assertThatThrownBy(() -> wireguard.open("gitwire0", WireguardLink.Preference.AUTO))
                .isInstanceOf(WireguardException.class).hasMessageContaining("of kind veth")
                .hasMessageContaining("left alone");
        assertThat(host.namespace().ip("link", "show", "gitwire0")).contains("gitwire0");
    }

    @Test
    void kernelReleasesAreCompared() {
        assertThat(KernelBackend.releaseAtLeast("6.16.0-1-amd64", 6, 16)).isTrue();
        assertThat(KernelBackend.releaseAtLeast("7.0.1", 6, 16)).isTrue();
        assertThat(KernelBackend.releaseAtLeast("6.1.0-28-cloud-amd64", 6, 16)).isFalse();
        assertThat(KernelBackend.releaseAtLeast("garbage", 6, 16)).isFalse();
    }
}
