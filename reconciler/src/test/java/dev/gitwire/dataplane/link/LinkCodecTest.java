package dev.gitwire.dataplane.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.model.Link;
import dev.gitwire.testing.NetlinkNotifications;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * RTM_NEWLINK as gitwire writes it reads back as the link it asked for: a kernel notification of a link has the
 * request's layout (struct ifinfomsg, then IFLA_IFNAME, IFLA_MTU and IFLA_LINKINFO/IFLA_INFO_KIND).
 */
class LinkCodecTest {

    @Test
    void aCreatedLinkReadsBackWithItsNameKindAndMtu() {
        Link link = LinkCodec.decode(NetlinkNotifications.of(LinkCodec.create("gitwire0", "wireguard", 1420)));

        assertThat(link).isEqualTo(new Link(0, "gitwire0", Optional.of("wireguard"), 1420, false));
    }

    @Test
    void aChangeNamesItsLinkByIndexAndSetsItUp() {
        Link link = LinkCodec.decode(NetlinkNotifications.of(LinkCodec.set(7, "gitwire0", 1380, true)));

        assertThat(link.index()).isEqualTo(7);
        assertThat(link.mtu()).isEqualTo(1380);
        assertThat(link.up()).isTrue();
        assertThat(link.kind()).as("no IFLA_LINKINFO: the kind is not changed").isEmpty();
    }

    @Test
    void aNameOfFifteenCharactersIsKeptWhole() {
        assertThat(LinkCodec.decode(NetlinkNotifications.of(LinkCodec.create("wireguard.cali0", "wireguard", 1420))).name())
                .isEqualTo("wireguard.cali0");
    }

    @Test
    void aDeletionCarriesTheIndexAlone() {
        NetlinkRequest delete = LinkCodec.delete(12, "gitwire0");

        assertThat(delete.type()).isEqualTo(LinkCodec.RTM_DELLINK);
        assertThat(LinkCodec.decode(NetlinkNotifications.of(delete)).index()).isEqualTo(12);
        assertThat(delete.description()).isEqualTo("delete link gitwire0");
    }
}
