package dev.gitwire.dataplane.link;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.MessageWriter;
import dev.gitwire.dataplane.netlink.Netlink;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Interface addresses (RTM_NEWADDR, RTM_GETADDR; struct ifaddrmsg, IFA_* attributes). */
public final class Addresses {

    static final int RTM_NEWADDR = 20;
    static final int RTM_GETADDR = 22;
    static final int RT_SCOPE_HOST = 254;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    static final int IFADDRMSG_LENGTH = 8;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;

    private final NetlinkConnection netlink;

    public Addresses(NetlinkConnection netlink) {
        this.netlink = netlink;
    }

    /** Whether link {@code index} holds {@code address}. */
    public boolean has(int index, IpAddress address) {
        return addresses().stream().anyMatch(a -> a.index() == index && a.address().equals(address));
    }

    /**
     * Gives link {@code index} a host-scope address: one that the kernel never picks as a source for traffic
     * leaving by the link, and that is never announced.
     */
    public void addHostScoped(int index, IpAddress address) {
        byte[] raw = address.toBytes();
        MessageWriter w = new MessageWriter().u8(address.family() == IpFamily.IPV4 ? AF_INET : AF_INET6)
                .u8(raw.length * 8).u8(0).u8(RT_SCOPE_HOST).u32(index).attribute(IFA_LOCAL, raw)
                .attribute(IFA_ADDRESS, raw);
        netlink.execute(new NetlinkRequest(RTM_NEWADDR, Netlink.NLM_F_CREATE | Netlink.NLM_F_REPLACE, w.toBytes(),
                "add address " + address));
    }

    private record Held(int index, IpAddress address) {}

    private List<Held> addresses() {
        byte[] request = new MessageWriter().u8(0).u8(0).u8(0).u8(0).u32(0).toBytes();
        List<Held> held = new ArrayList<>();
        for (NetlinkMessage message : netlink.dump(new NetlinkRequest(RTM_GETADDR, 0, request, "dump addresses"))) {
            Attributes attributes = message.attributes(IFADDRMSG_LENGTH);
            Attributes.Attribute local = attributes.has(IFA_LOCAL) ? attributes.get(IFA_LOCAL) : attributes.get(IFA_ADDRESS);
            if (local != null) {
                held.add(new Held(message.payload().getInt(4), IpAddress.fromBytes(local.bytes())));
            }
        }
        return held;
    }

    /** The index of the link that has {@code address} as one of its own addresses. */
    public Optional<Integer> linkIndexOf(IpAddress address) {
        return addresses().stream().filter(a -> a.address().equals(address)).map(Held::index).findFirst();
    }
}
