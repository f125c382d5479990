package dev.gitwire.testing;

import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A request as the kernel's notification of the change would arrive: rtnetlink echoes the request's layout. */
public final class NetlinkNotifications {

    private NetlinkNotifications() {}

    public static NetlinkMessage of(NetlinkRequest request) {
        return new NetlinkMessage(request.type(), 0, 0, 0,
                ByteBuffer.wrap(request.payload()).order(ByteOrder.nativeOrder()));
    }
}
