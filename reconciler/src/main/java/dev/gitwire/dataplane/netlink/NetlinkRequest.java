package dev.gitwire.dataplane.netlink;

/**
 * One request, ready to be numbered and sent: message type, flags (REQUEST and ACK are added by the
 * connection), the payload after the netlink header, and what it does, for error messages.
 */
public record NetlinkRequest(int type, int flags, byte[] payload, String description) {}
