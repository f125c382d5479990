package dev.gitwire.dataplane.route;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.MessageWriter;
import dev.gitwire.dataplane.netlink.Netlink;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.IntFunction;

/** RTM_*ROUTE messages (linux/rtnetlink.h): struct rtmsg, then RTA_* attributes. */
public final class RouteCodec {

    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    static final int RTMSG_LENGTH = 12;
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_PRIORITY = 6;
    static final int RTA_TABLE = 15;
    static final int RT_TABLE_COMPAT = 252;
    static final int RTPROT_STATIC = 4;
    static final int RT_SCOPE_UNIVERSE = 0;
    static final int RT_SCOPE_LINK = 253;
    static final int RT_SCOPE_NOWHERE = 255;
    static final long IPV6_DEFAULT_METRIC = 1024;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    private RouteCodec() {}

    public static int family(IpFamily family) {
        return family == IpFamily.IPV4 ? AF_INET : AF_INET6;
    }

    /** A dump of one table; with strict checking on, the kernel filters by table itself. */
    public static NetlinkRequest dump(long table, IpFamily family) {
        MessageWriter w = header(family(family), 0, table, 0, 0, 0).attributeU32(RTA_TABLE, table);
        return new NetlinkRequest(RTM_GETROUTE, 0, w.toBytes(), "dump " + family + " routes of table " + table);
    }

    /** Adds (or, with {@code replace}, replaces) a route; {@code deviceIndex} is 0 for routes without a device. */
    public static NetlinkRequest add(long table, Route route, int deviceIndex, boolean replace) {
        int flags = Netlink.NLM_F_CREATE | (replace ? Netlink.NLM_F_REPLACE : Netlink.NLM_F_EXCL);
        return new NetlinkRequest(RTM_NEWROUTE, flags, encode(table, route, deviceIndex, false),
                () -> (replace ? "replace" : "add") + " route " + route + " table " + table);
    }

    public static NetlinkRequest delete(long table, Route route) {
        return new NetlinkRequest(RTM_DELROUTE, 0, encode(table, route, 0, true),
                () -> "delete route " + route + " table " + table);
    }

    /** A delete names protocol 0 and scope "nowhere": it then matches a route whoever wrote it. */
    private static byte[] encode(long table, Route route, int deviceIndex, boolean forDelete) {
        Cidr dst = route.destination();
        int scope = forDelete ? RT_SCOPE_NOWHERE : route.linkScope() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        MessageWriter w = header(family(dst.family()), dst.prefixLength(), table, forDelete ? 0 : RTPROT_STATIC,
                scope, route.type().kernelValue());
        if (dst.prefixLength() > 0) {
            w.attribute(RTA_DST, dst.network().toBytes());
        }
        w.attributeU32(RTA_TABLE, table);
        if (deviceIndex > 0) {
            w.attributeU32(RTA_OIF, deviceIndex);
        }
        if (route.metric() != 0) {
            w.attributeU32(RTA_PRIORITY, route.metric());
        }
        return w.toBytes();
    }

    /** A route message's attributes, read once for {@link #table} and {@link #decode}. */
    public static Attributes attributes(NetlinkMessage message) {
        return message.attributes(RTMSG_LENGTH);
    }

    /** The table a route message belongs to: RTA_TABLE when present, else the 8-bit rtm_table. */
    public static long table(NetlinkMessage message, Attributes attributes) {
        return attributes.u32(RTA_TABLE, Byte.toUnsignedInt(message.payload().get(4)));
    }

    public static Route decode(NetlinkMessage message, Attributes attributes, IntFunction<Optional<String>> deviceName) {
        ByteBuffer p = message.payload();
        IpFamily family = Byte.toUnsignedInt(p.get(0)) == AF_INET ? IpFamily.IPV4 : IpFamily.IPV6;
        int prefixLength = Byte.toUnsignedInt(p.get(1));
        int scope = Byte.toUnsignedInt(p.get(6));
        RouteType type = RouteType.of(Byte.toUnsignedInt(p.get(7)));
        IpAddress network = attributes.has(RTA_DST)
                ? IpAddress.fromBytes(attributes.get(RTA_DST).bytes())
                : IpAddress.fromBytes(new byte[family.bytes()]);
        Optional<String> device = attributes.has(RTA_OIF)
                ? deviceName.apply((int) attributes.get(RTA_OIF).u32())
                : Optional.empty();
        boolean gateway = attributes.has(RTA_GATEWAY);
        long metric = attributes.u32(RTA_PRIORITY, 0);
        boolean linkScope = scope == RT_SCOPE_LINK;
        if (family == IpFamily.IPV6) {
            // IPv6 has no route scopes (a device route without gateway is on-link) and reports an
            // unset metric as 1024: fold both back, so that a route reads back as it was written
            linkScope = type == RouteType.UNICAST && device.isPresent() && !gateway;
            metric = metric == IPV6_DEFAULT_METRIC ? 0 : metric;
            if (type != RouteType.UNICAST) {
                device = Optional.empty(); // IPv6 keeps throw and prohibit routes on lo and reports it: none was written
            }
        }
        return new Route(new Cidr(network, prefixLength), type, device, linkScope, gateway, metric);
    }

    private static MessageWriter header(int family, int dstLength, long table, int protocol, int scope, int type) {
        return new MessageWriter().u8(family).u8(dstLength).u8(0).u8(0)
                .u8(table < 256 ? (int) table : RT_TABLE_COMPAT).u8(protocol).u8(scope).u8(Math.max(type, 0))
                .u32(0);
    }
}
