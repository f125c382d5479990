package dev.gitwire.dataplane.route;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.MessageWriter;
import dev.gitwire.dataplane.netlink.Netlink;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.model.Rule;
import dev.gitwire.net.IpFamily;
import java.nio.ByteBuffer;
import java.util.Set;

/** RTM_*RULE messages (linux/fib_rules.h): struct fib_rule_hdr, then FRA_* attributes. */
public final class RuleCodec {

    public static final int RTM_NEWRULE = 32;
    public static final int RTM_DELRULE = 33;
    public static final int RTM_GETRULE = 34;
    static final int FIB_RULE_HDR_LENGTH = 12;
    static final int FRA_PRIORITY = 6;
    static final int FRA_FWMARK = 10;
    static final int FRA_TABLE = 15;
    static final int FRA_FWMASK = 16;
    static final int FRA_PROTOCOL = 21;
    static final int FR_ACT_TO_TBL = 1;
    static final int FIB_RULE_INVERT = 0x2;
    /** Attributes that carry no selector: anything else makes a rule "not gitwire's shape". */
    private static final Set<Integer> PLAIN = Set.of(FRA_PRIORITY, FRA_FWMARK, FRA_TABLE, FRA_FWMASK, FRA_PROTOCOL,
            18 /* FRA_PAD */, 14 /* FRA_SUPPRESS_PREFIXLEN, -1 by default */, 13 /* FRA_SUPPRESS_IFGROUP */);

    private RuleCodec() {}

    public static NetlinkRequest dump(IpFamily family) {
        return new NetlinkRequest(RTM_GETRULE, 0, header(family, 0, false).toBytes(), "dump " + family + " rules");
    }

    public static NetlinkRequest add(Rule rule) {
        return new NetlinkRequest(RTM_NEWRULE, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, encode(rule),
                "add rule " + rule);
    }

    public static NetlinkRequest delete(Rule rule) {
        return new NetlinkRequest(RTM_DELRULE, 0, encode(rule), "delete rule " + rule);
    }

    private static byte[] encode(Rule rule) {
        MessageWriter w = header(rule.family(), rule.table(), rule.invert())
                .attributeU32(FRA_PRIORITY, rule.priority())
                .attributeU32(FRA_TABLE, rule.table());
        if (rule.fwmask() != 0) {
            w.attributeU32(FRA_FWMARK, rule.fwmark()).attributeU32(FRA_FWMASK, rule.fwmask());
        }
        return w.toBytes();
    }

    public static Rule decode(NetlinkMessage message) {
        ByteBuffer p = message.payload();
        IpFamily family = Byte.toUnsignedInt(p.get(0)) == RouteCodec.AF_INET ? IpFamily.IPV4 : IpFamily.IPV6;
        boolean selectsAddresses = p.get(1) != 0 || p.get(2) != 0 || p.get(3) != 0;
        boolean toTable = Byte.toUnsignedInt(p.get(7)) == FR_ACT_TO_TBL;
        boolean invert = (p.getInt(8) & FIB_RULE_INVERT) != 0;
        Attributes attributes = message.attributes(FIB_RULE_HDR_LENGTH);
        boolean other = selectsAddresses || !toTable
                || attributes.all().stream().anyMatch(a -> !PLAIN.contains(a.type()));
        long mark = attributes.u32(FRA_FWMARK, 0);
        long mask = attributes.u32(FRA_FWMASK, mark == 0 ? 0 : 0xFFFF_FFFFL);
        return new Rule(family, attributes.u32(FRA_PRIORITY, 0), mark, mask, invert,
                attributes.u32(FRA_TABLE, Byte.toUnsignedInt(p.get(4))), other);
    }

    private static MessageWriter header(IpFamily family, long table, boolean invert) {
        return new MessageWriter().u8(RouteCodec.family(family)).u8(0).u8(0).u8(0)
                .u8(table > 0 && table < 256 ? (int) table : 0).u8(0).u8(0).u8(table > 0 ? FR_ACT_TO_TBL : 0)
                .u32(invert ? FIB_RULE_INVERT : 0);
    }
}
