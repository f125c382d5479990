package dev.gitwire.dataplane.link;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.MessageWriter;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.net.IpAddress;
import java.util.Optional;

/** Interface addresses (RTM_GETADDR; struct ifaddrmsg, IFA_* attributes): which link holds an address. */
public final class Addresses {

    static final int RTM_GETADDR = 22;
    static final int IFADDRMSG_LENGTH = 8;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;

    private final NetlinkConnection netlink;

    public Addresses(NetlinkConnection netlink) {
        this.netlink = netlink;
    }

    /** The index of the link that has {@code address} as one of its own addresses. */
    public Optional<Integer> linkIndexOf(IpAddress address) {
        byte[] request = new MessageWriter().u8(0).u8(0).u8(0).u8(0).u32(0).toBytes();
        for (NetlinkMessage message : netlink.dump(new NetlinkRequest(RTM_GETADDR, 0, request, "dump addresses"))) {
            Attributes attributes = message.attributes(IFADDRMSG_LENGTH);
            Attributes.Attribute local = attributes.has(IFA_LOCAL) ? attributes.get(IFA_LOCAL) : attributes.get(IFA_ADDRESS);
            if (local != null && IpAddress.fromBytes(local.bytes()).equals(address)) {
                return Optional.of(message.payload().getInt(4));
            }
        }
        return Optional.empty();
    }
}
