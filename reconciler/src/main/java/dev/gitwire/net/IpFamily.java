package dev.gitwire.net;

/** An address family, with the sizes netlink and WireGuard need. */
public enum IpFamily {
    IPV4(32),
    IPV6(128);

    private final int bits;

    IpFamily(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    public int bytes() {
        return bits / 8;
    }
}
