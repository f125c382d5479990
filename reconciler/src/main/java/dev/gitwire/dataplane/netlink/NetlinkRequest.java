package dev.gitwire.dataplane.netlink;

import java.util.function.Supplier;

/**
 * One request, ready to be numbered and sent: message type, flags (REQUEST and ACK are added by the
 * connection), the payload after the netlink header, and what it does, for error messages.
 */
public record NetlinkRequest(int type, int flags, byte[] payload, Supplier<String> describe) {

    public NetlinkRequest(int type, int flags, byte[] payload, String description) {
        this(type, flags, payload, () -> description);
    }

    /** What the request does, made when an error needs it: a batch of 100,000 routes that succeeds makes none. */
    public String description() {
        return describe.get();
    }
}
