package dev.gitwire.dataplane.netlink;

/** Constants of the netlink protocol itself (linux/netlink.h). */
public final class Netlink {

    public static final int HEADER_LENGTH = 16;
    public static final int ATTRIBUTE_HEADER_LENGTH = 4;

    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;

    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP = 0x300;
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_APPEND = 0x800;
    /** On an NLMSG_ERROR: extended-ACK attributes follow the echoed header. */
    public static final int NLM_F_ACK_TLVS = 0x200;
    /** On an NLMSG_ERROR: the request's payload was not echoed (NETLINK_CAP_ACK). */
    public static final int NLM_F_CAPPED = 0x100;

    public static final int NLMSGERR_ATTR_MSG = 1;

    public static final int NLA_F_NESTED = 0x8000;
    public static final int NLA_TYPE_MASK = 0x3fff;

    private Netlink() {}

    /** Netlink aligns messages and attributes to 4 bytes. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
