package dev.gitwire.dataplane.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.link.Links;
import dev.gitwire.dataplane.route.RouteCodec;
import dev.gitwire.model.Route;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.TestNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection's pipelining against the kernel (issue 30 point 8): a batch of many requests a datagram, a window in
 * flight and one ACK a window reports each request's own outcome in order, a refusal in the middle included.
 */
@Privileged
class NetlinkConnectionKernelIT {

    private static final long TABLE = 51820;
    private static final int ROUTES = 5_000;

    private TestNamespace ns;
    private NetlinkConnection netlink;
    private int deviceIndex;

    @BeforeEach
    void namespace() {
        ns = new TestNamespace();
        ns.veth("azv1");
        netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, ns.namespace());
        deviceIndex = new Links(netlink).require("azv1").index();
    }

    @AfterEach
    void cleanUp() {
        netlink.close();
        ns.close();
    }

    @Test
    void aPipelinedBatchReportsEachRequestsOwnOutcomeInOrder() {
        List<NetlinkRequest> adds = new ArrayList<>();
        for (int i = 0; i < ROUTES; i++) {
            adds.add(RouteCodec.add(TABLE, route(i), deviceIndex, false));
        }
        adds.add(2_500, RouteCodec.add(TABLE, route(7), deviceIndex, false)); // a second add of one: refused

        List<Optional<NetlinkException>> outcomes = netlink.executeAll(adds);

        assertThat(outcomes).hasSize(ROUTES + 1);
        assertThat(outcomes.get(2_500)).containsInstanceOf(NetlinkException.ObjectExists.class);
        assertThat(outcomes.stream().filter(Optional::isPresent)).as("every other request succeeded").hasSize(1);
        assertThat(netlink.dump(RouteCodec.dump(TABLE, IpFamily.IPV4)).stream()
                .filter(m -> RouteCodec.table(m, RouteCodec.attributes(m)) == TABLE)).hasSize(ROUTES);
        assertThat(ns.ip("route", "show", "table", Long.toString(TABLE)).lines()).hasSize(ROUTES);
    }

    private static Route route(int i) {
        return Route.device(Cidr.parse("10." + (100 + i / 65536) + "." + (i / 256 % 256) + "." + (i % 256) + "/32"),
                "azv1");
    }
}
