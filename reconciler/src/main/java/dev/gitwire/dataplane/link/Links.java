package dev.gitwire.dataplane.link;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.model.Link;
import java.util.List;
import java.util.Optional;

/** The links of one network namespace, read and changed through rtnetlink. */
public final class Links {

    private final NetlinkConnection netlink;

    public Links(NetlinkConnection netlink) {
        this.netlink = netlink;
    }

    public Optional<Link> get(String name) {
        try {
            return netlink.query(LinkCodec.get(name)).stream().findFirst().map(LinkCodec::decode);
        } catch (NetlinkException.ObjectNotFound e) {
            return Optional.empty();
        }
    }

    public List<Link> all() {
        return netlink.dump(LinkCodec.dump()).stream().map(LinkCodec::decode).toList();
    }

    public Link create(String name, String kind, int mtu) {
        netlink.execute(LinkCodec.create(name, kind, mtu));
        return require(name);
    }

    public void set(Link link, int mtu, boolean up) {
        netlink.execute(LinkCodec.set(link.index(), link.name(), mtu, up));
    }

    public void delete(Link link) {
        netlink.execute(LinkCodec.delete(link.index(), link.name()));
    }

    public Link require(String name) {
        return get(name).orElseThrow(() -> NetlinkException.of(19, "link " + name, null));
    }
}
