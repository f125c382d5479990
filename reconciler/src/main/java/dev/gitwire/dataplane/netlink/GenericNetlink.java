package dev.gitwire.dataplane.netlink;

import java.util.List;

/** Generic netlink (linux/genetlink.h): family resolution through the controller, and the 4-byte genl header. */
public final class GenericNetlink {

    public static final int GENL_HEADER_LENGTH = 4;
    static final int GENL_ID_CTRL = 0x10;
    static final int CTRL_CMD_GETFAMILY = 3;
    static final int CTRL_ATTR_FAMILY_ID = 1;
    static final int CTRL_ATTR_FAMILY_NAME = 2;

    private GenericNetlink() {}

    /** A writer positioned after the genl header of {@code command}. */
    public static MessageWriter header(int command, int version) {
        return new MessageWriter().u8(command).u8(version).u16(0);
    }

    public static NetlinkRequest resolveRequest(String family) {
        return new NetlinkRequest(GENL_ID_CTRL, 0,
                header(CTRL_CMD_GETFAMILY, 1).attributeString(CTRL_ATTR_FAMILY_NAME, family).toBytes(),
                "resolve generic netlink family " + family);
    }

    /** The message type of a family; {@link NetlinkException.ObjectNotFound} when the kernel has none. */
    public static int resolve(NetlinkConnection netlink, String family) {
        List<NetlinkMessage> replies = netlink.query(resolveRequest(family));
        if (replies.isEmpty()) {
            throw NetlinkException.of(2, "resolve generic netlink family " + family, null);
        }
        return replies.get(0).attributes(GENL_HEADER_LENGTH).get(CTRL_ATTR_FAMILY_ID).u16();
    }
}
