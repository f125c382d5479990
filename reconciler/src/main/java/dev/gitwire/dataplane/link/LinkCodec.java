package dev.gitwire.dataplane.link;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.MessageWriter;
import dev.gitwire.dataplane.netlink.Netlink;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.model.Link;
import java.util.Optional;

/** RTM_*LINK messages (linux/rtnetlink.h, linux/if_link.h): struct ifinfomsg, then IFLA_* attributes. */
public final class LinkCodec {

    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    static final int IFINFOMSG_LENGTH = 16;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_INFO_KIND = 1;
    static final int IFF_UP = 0x1;
    private static final int AF_UNSPEC = 0;

    private LinkCodec() {}

    public static NetlinkRequest get(String name) {
        return new NetlinkRequest(RTM_GETLINK, 0, header(0, 0, 0).attributeString(IFLA_IFNAME, name).toBytes(),
                "get link " + name);
    }

    public static NetlinkRequest dump() {
        return new NetlinkRequest(RTM_GETLINK, 0, header(0, 0, 0).toBytes(), "dump links");
    }

    public static NetlinkRequest create(String name, String kind, int mtu) {
        MessageWriter w = header(0, 0, 0).attributeString(IFLA_IFNAME, name);
        if (mtu > 0) {
            w.attributeU32(IFLA_MTU, mtu);
        }
        w.beginNested(IFLA_LINKINFO).attributeString(IFLA_INFO_KIND, kind).endNested();
        return new NetlinkRequest(RTM_NEWLINK, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, w.toBytes(),
                "create " + kind + " link " + name);
    }

    /** Changes MTU and the up flag of an existing link, leaving every other flag alone. */
    public static NetlinkRequest set(int index, String name, int mtu, boolean up) {
        MessageWriter w = header(index, up ? IFF_UP : 0, IFF_UP);
        if (mtu > 0) {
            w.attributeU32(IFLA_MTU, mtu);
        }
        return new NetlinkRequest(RTM_NEWLINK, 0, w.toBytes(),
                "set link " + name + (mtu > 0 ? " mtu " + mtu : "") + (up ? " up" : " down"));
    }

    public static NetlinkRequest delete(int index, String name) {
        return new NetlinkRequest(RTM_DELLINK, 0, header(index, 0, 0).toBytes(), "delete link " + name);
    }

    public static Link decode(NetlinkMessage message) {
        int index = message.payload().getInt(4);
        int flags = message.payload().getInt(8);
        Attributes attributes = message.attributes(IFINFOMSG_LENGTH);
        Attributes.Attribute info = attributes.get(IFLA_LINKINFO);
        Optional<String> kind = info == null ? Optional.empty() : Optional.ofNullable(info.nested().string(IFLA_INFO_KIND));
        return new Link(index, attributes.string(IFLA_IFNAME), kind, (int) attributes.u32(IFLA_MTU, 0),
                (flags & IFF_UP) != 0);
    }

    private static MessageWriter header(int index, int flags, int change) {
        return new MessageWriter().u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(flags).u32(change);
    }
}
