package dev.gitwire.net;

/** A network prefix whose host bits are zero, such as 10.240.0.0/16 or a single pod's 10.240.0.7/32. */
public record Cidr(IpAddress network, int prefixLength) implements Comparable<Cidr>, PackedOrder {

    public Cidr {
        if (prefixLength < 0 || prefixLength > network.family().bits()) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + network);
        }
        if (!network.masked(prefixLength).equals(network)) {
            throw new IllegalArgumentException(network + "/" + prefixLength + " has host bits set; the network is "
                    + network.masked(prefixLength) + "/" + prefixLength);
        }
    }

    /** Parses "addr/len", or a bare address as its host prefix. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return host(IpAddress.parse(text));
        }
        IpAddress address = IpAddress.parse(text.substring(0, slash));
        String length = text.substring(slash + 1);
        if (!isPrefixLength(length)) {
            throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
        }
        int prefixLength = Integer.parseInt(length);
        if (prefixLength > address.family().bits()) {
            throw new IllegalArgumentException(
                    "'" + text + "' has a prefix length longer than " + address.family().bits());
        }
        return new Cidr(address, prefixLength);
    }

    private static boolean isPrefixLength(String text) {
        if (text.isEmpty() || text.length() > 3 || (text.length() > 1 && text.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    public static Cidr host(IpAddress address) {
        return new Cidr(address, address.family().bits());
    }

    public IpFamily family() {
        return network.family();
    }

    public boolean isHost() {
        return prefixLength == network.family().bits();
    }

    public boolean contains(IpAddress address) {
        return network.sharesPrefix(address, prefixLength);
    }

    public boolean overlaps(Cidr other) {
        if (other.family() != family()) {
            return false;
        }
        int shorter = Math.min(prefixLength, other.prefixLength);
        return network.sharesPrefix(other.network, shorter);
    }

    @Override
    public int compareTo(Cidr other) {
        int byNetwork = network.compareTo(other.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefixLength, other.prefixLength);
    }

    /** IPv4 packs as its 32 address bits and 6 of prefix length, in {@link #compareTo} order; IPv6 does not. */
    @Override
    public long packedOrder() {
        return family() == IpFamily.IPV4 ? network.lo() << 6 | prefixLength : UNPACKED;
    }

    @Override
    public String toString() {
        return appendTo(new StringBuilder(18)).toString();
    }

    /** Appends "addr/len": a device configuration writes 100,000 of them into one text. */
    public StringBuilder appendTo(StringBuilder out) {
        return network.appendTo(out).append('/').append(prefixLength);
    }
}
