package dev.gitwire.dataplane.route;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.model.Rule;
import dev.gitwire.net.IpFamily;
import java.util.List;

/** The policy rules of one network namespace. */
public final class Rules {

    private final NetlinkConnection netlink;

    public Rules(NetlinkConnection netlink) {
        this.netlink = netlink;
    }

    public List<Rule> all(IpFamily family) {
        return netlink.dump(RuleCodec.dump(family)).stream().map(RuleCodec::decode).toList();
    }

    public void add(Rule rule) {
        netlink.execute(RuleCodec.add(rule));
    }

    public void delete(Rule rule) {
        netlink.execute(RuleCodec.delete(rule));
    }
}
