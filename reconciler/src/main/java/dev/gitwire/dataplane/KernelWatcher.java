package dev.gitwire.dataplane;

import dev.gitwire.dataplane.link.LinkCodec;
import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.LibC;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.nft.GuardTable;
import dev.gitwire.dataplane.route.RouteCodec;
import dev.gitwire.dataplane.route.RuleCodec;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Listens to the kernel's notifications and calls back when one concerns what gitwire owns, so that
 * drift is repaired at once, not at the next poll: {@link #routing} for link W, table T and a rule into T
 * (rtnetlink), {@link #nftables} for the guard (nfnetlink). A lost notification (ENOBUFS) calls back too:
 * something may have changed unseen.
 */
final class KernelWatcher implements Dataplane.Watch {

    private static final int RTNLGRP_LINK = 1;
    private static final int RTNLGRP_IPV4_ROUTE = 7;
    private static final int RTNLGRP_IPV4_RULE = 8;
    private static final int RTNLGRP_IPV6_ROUTE = 11;
    private static final int RTNLGRP_IPV6_RULE = 19;

    private static final int NFNLGRP_NFTABLES = 7;
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    /** NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE: all 1. */
    private static final int NFTA_TABLE = 1;
    private static final int NFGENMSG_LENGTH = 4;

    private final String name;
    private final NetlinkConnection netlink;
    private final Function<NetlinkMessage, String> concerns;
    private final Consumer<String> onChange;
    private volatile boolean stopped;

    private KernelWatcher(String name, NetlinkSocket socket, int[] groups, Function<NetlinkMessage, String> concerns,
            Consumer<String> onChange) {
        for (int group : groups) {
            socket.joinGroup(group);
        }
        this.name = name;
        this.netlink = new NetlinkConnection(socket);
        this.concerns = concerns;
        this.onChange = onChange;
    }

    static KernelWatcher routing(NetworkNamespace namespace, Supplier<Ownership> owned, Consumer<String> onChange) {
        return new KernelWatcher("gitwire-rtnetlink-watch", NetlinkSocket.open(NetlinkSocket.NETLINK_ROUTE, namespace),
                new int[] {RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE},
                message -> concerns(message, owned.get()), onChange);
    }

    static KernelWatcher nftables(NetworkNamespace namespace, Consumer<String> onChange) {
        return new KernelWatcher("gitwire-nftables-watch", NetlinkSocket.open(NetlinkSocket.NETLINK_NETFILTER, namespace),
                new int[] {NFNLGRP_NFTABLES}, KernelWatcher::concernsGuard, onChange);
    }

    @Override
    public void run() {
        while (!stopped) {
            try {
                for (NetlinkMessage message : netlink.receive()) {
                    String what = concerns.apply(message);
                    if (what != null) {
                        onChange.accept(what);
                    }
                }
            } catch (NetlinkException.ResyncRequired e) {
                onChange.accept("lost kernel notifications");
            } catch (NetlinkException e) {
                if (e.errno() != LibC.EAGAIN && !stopped) {
                    // not the receive timeout: the socket may have missed something; look, and do not spin
                    onChange.accept("netlink error: " + e.getMessage());
                    pause();
                }
            } catch (RuntimeException e) {
                if (!stopped) {
                    onChange.accept("unreadable kernel notification");
                }
            }
        }
    }

    /** Whether an nftables notification (a table, chain, rule, set or element) is about the guard's table. */
    static String concernsGuard(NetlinkMessage message) {
        if (message.type() >> 8 != NFNL_SUBSYS_NFTABLES) {
            return null;
        }
        try {
            Attributes.Attribute table = message.attributes(NFGENMSG_LENGTH).get(NFTA_TABLE);
            return table != null && table.string().equals(GuardTable.NAME) ? "the guard changed" : null;
        } catch (RuntimeException e) {
            return null; // a message of another shape (NEWGEN has no table): not the guard's
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
            return RouteCodec.table(message, RouteCodec.attributes(message)) == owned.table()
                    ? "a route of table " + owned.table() + " changed" : null;
        }
        if (type == RuleCodec.RTM_NEWRULE || type == RuleCodec.RTM_DELRULE) {
            return RuleCodec.decode(message).table() == owned.table() ? "a rule into table " + owned.table() + " changed"
                    : null;
        }
        return null;
    }

    private static void pause() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void stop() {
        stopped = true;
        netlink.close();
    }
}
