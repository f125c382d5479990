package dev.gitwire.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.link.LinkCodec;
import dev.gitwire.dataplane.route.RouteCodec;
import dev.gitwire.dataplane.route.RuleCodec;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.model.Route;
import dev.gitwire.model.Rule;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.NetlinkNotifications;
import org.junit.jupiter.api.Test;

/**
 * Which kernel notifications wake the agent: only changes to what gitwire owns (its link, routes of its table,
 * rules into its table). A busy node's other routes and links must not start a reconcile each.
 */
class KernelWatcherTest {

    private static final Ownership OWNED = new Ownership("gitwire0", 51820, 97, 0x2000);

    @Test
    void gitwiresLinkRoutesAndRulesConcernIt() {
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(LinkCodec.create("gitwire0", "wireguard", 1420)), OWNED))
                .isEqualTo("link gitwire0 changed");
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(RouteCodec.delete(51820, Route.throwing(Cidr.parse("10.1.0.0/16")))),
                OWNED)).isEqualTo("a route of table 51820 changed");
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(RuleCodec.delete(Rule.unmarkedTo(IpFamily.IPV6, 97, 0x2000, 51820))),
                OWNED)).isEqualTo("a rule into table 51820 changed");
    }

    @Test
    void everyoneElsesDoNot() {
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(LinkCodec.create("azv12", "veth", 1500)), OWNED)).isNull();
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(RouteCodec.delete(254, Route.throwing(Cidr.parse("10.1.0.0/16")))),
                OWNED)).isNull();
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(RuleCodec.delete(Rule.unmarkedTo(IpFamily.IPV4, 99, 0x100000, 1))),
                OWNED)).isNull();
        assertThat(KernelWatcher.concerns(NetlinkNotifications.of(LinkCodec.create("gitwire0", "wireguard", 1420)), null))
                .as("before the first intent, nothing is gitwire's").isNull();
        assertThat(KernelWatcher.concernsGuard(NetlinkNotifications.of(LinkCodec.create("gitwire0", "wireguard", 1420))))
                .as("not an nftables message").isNull();
    }
}
