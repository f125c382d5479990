package dev.gitwire.agent;

import dev.gitwire.dataplane.link.LinkCodec;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.route.RouteCodec;
import dev.gitwire.dataplane.route.RuleCodec;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Listens to the kernel's link, route and rule notifications and calls back when one concerns what
 * gitwire owns (link W, table T, a rule into T), so that drift is repaired at once, not at the next poll.
 * A lost notification (ENOBUFS) calls back too: something may have changed unseen.
 */
final class KernelWatcher implements Runnable {

    private static final int RTNLGRP_LINK = 1;
    private static final int RTNLGRP_IPV4_ROUTE = 7;
    private static final int RTNLGRP_IPV4_RULE = 8;
    private static final int RTNLGRP_IPV6_ROUTE = 11;
    private static final int RTNLGRP_IPV6_RULE = 19;

    private final NetlinkConnection netlink;
    private final Supplier<Ownership> owned;
    private final Consumer<String> onChange;
    private volatile boolean stopped;

    KernelWatcher(NetworkNamespace namespace, Supplier<Ownership> owned, Consumer<String> onChange) {
        NetlinkSocket socket = NetlinkSocket.open(NetlinkSocket.NETLINK_ROUTE, namespace);
        for (int group : new int[] {RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_ROUTE,
                RTNLGRP_IPV6_RULE}) {
            socket.joinGroup(group);
        }
        this.netlink = new NetlinkConnection(socket);
        this.owned = owned;
        this.onChange = onChange;
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                for (NetlinkMessage message : netlink.receive()) {
                    String what = concerns(message, owned.get());
                    if (what != null) {
                        onChange.accept(what);
                    }
                }
            } catch (NetlinkException.ResyncRequired e) {
                onChange.accept("lost kernel notifications");
            } catch (NetlinkException e) {
                // the receive timeout: nothing happened; listen again
            } catch (RuntimeException e) {
                if (!stopped) {
                    onChange.accept("unreadable kernel notification");
                }
            }
        }
    }

    /** What the notification changed of gitwire's, or null when it is someone else's. */
    static String concerns(NetlinkMessage message, Ownership owned) {
        if (owned == null) {
            return null;
        }
        int type = message.type();
        if (type == LinkCodec.RTM_NEWLINK || type == LinkCodec.RTM_DELLINK) {
            String name = LinkCodec.decode(message).name();
            return owned.interfaceName().equals(name) ? "link " + name + " changed" : null;
        }
        if (type == RouteCodec.RTM_NEWROUTE || type == RouteCodec.RTM_DELROUTE) {
            return RouteCodec.table(message) == owned.table() ? "a route of table " + owned.table() + " changed" : null;
        }
        if (type == RuleCodec.RTM_NEWRULE || type == RuleCodec.RTM_DELRULE) {
            return RuleCodec.decode(message).table() == owned.table() ? "a rule into table " + owned.table() + " changed"
                    : null;
        }
        return null;
    }

    void stop() {
        stopped = true;
        netlink.close();
    }
}
