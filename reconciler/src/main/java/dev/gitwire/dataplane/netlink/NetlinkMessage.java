package dev.gitwire.dataplane.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** A received netlink message: header fields and its payload (a little-endian view, position 0). */
public record NetlinkMessage(int type, int flags, int sequence, int portId, ByteBuffer payload) {

    /** Splits one datagram into its messages. */
    public static List<NetlinkMessage> parseAll(ByteBuffer datagram) {
        ByteBuffer buffer = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<NetlinkMessage> messages = new ArrayList<>();
        while (buffer.remaining() >= Netlink.HEADER_LENGTH) {
            int start = buffer.position();
            int length = buffer.getInt(start);
            if (length < Netlink.HEADER_LENGTH || length > buffer.remaining()) {
                throw new IllegalArgumentException("truncated netlink message: length " + length
                        + ", " + buffer.remaining() + " bytes left");
            }
            ByteBuffer payload = buffer.duplicate().position(start + Netlink.HEADER_LENGTH).limit(start + length)
                    .slice().order(ByteOrder.nativeOrder());
            messages.add(new NetlinkMessage(Short.toUnsignedInt(buffer.getShort(start + 4)),
                    Short.toUnsignedInt(buffer.getShort(start + 6)), buffer.getInt(start + 8),
                    buffer.getInt(start + 12), payload));
            buffer.position(Math.min(buffer.limit(), start + Netlink.align(length)));
        }
        return messages;
    }

    public boolean isError() {
        return type == Netlink.NLMSG_ERROR;
    }

    public boolean isDone() {
        return type == Netlink.NLMSG_DONE;
    }

    /** The negative errno of an NLMSG_ERROR or NLMSG_DONE; 0 is an ACK. */
    public int errorCode() {
        return payload.remaining() >= 4 ? payload.getInt(0) : 0;
    }

    /** The kernel's explanation from an extended ACK, or null. */
    public String extendedAckMessage() {
        if ((flags & Netlink.NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int offset;
        if (type == Netlink.NLMSG_DONE) {
            offset = 4;
        } else {
            // error code, then the request's header, then (unless capped) its payload
            int echoedLength = payload.getInt(4);
            offset = 4 + ((flags & Netlink.NLM_F_CAPPED) != 0 ? Netlink.HEADER_LENGTH : Netlink.align(echoedLength));
        }
        if (offset > payload.limit()) {
            return null;
        }
        return Attributes.parse(payload, offset, payload.limit()).string(Netlink.NLMSGERR_ATTR_MSG);
    }

    /** The attributes after a family header of {@code headerLength} bytes. */
    public Attributes attributes(int headerLength) {
        return Attributes.parse(payload, Netlink.align(headerLength), payload.limit());
    }
}
