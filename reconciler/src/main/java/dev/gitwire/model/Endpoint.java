package dev.gitwire.model;

import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;

/** A peer's UDP endpoint: address and port, printed as WireGuard prints it ({@code [v6]:port} for IPv6). */
public record Endpoint(IpAddress address, int port) {

    public static Endpoint parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("endpoint without a port: " + text);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new Endpoint(IpAddress.parse(host), Integer.parseInt(text.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return address.family() == IpFamily.IPV6 ? "[" + address + "]:" + port : address + ":" + port;
    }
}
