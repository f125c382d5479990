package dev.gitwire.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address as a value: two longs, so that hundreds of thousands of workload IPs stay
 * small. IPv4 lives in the low 32 bits of {@code lo}. Parsing accepts literals only and never
 * resolves a name.
 */
public record IpAddress(IpFamily family, long hi, long lo) implements Comparable<IpAddress> {

    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    public IpAddress {
        if (family == IpFamily.IPV4 && (hi != 0 || (lo >>> 32) != 0)) {
            throw new IllegalArgumentException("IPv4 address out of range");
        }
    }

    /** Parses a literal address; throws {@link IllegalArgumentException} naming the text otherwise. */
    public static IpAddress parse(String text) {
        if (text.indexOf(':') < 0) {
            return new IpAddress(IpFamily.IPV4, 0, parseIpv4(text));
        }
        // the character check keeps InetAddress from ever treating the text as a host name
        if (!IPV6_CHARS.matcher(text).matches()) {
            throw notAnAddress(text);
        }
        try {
            InetAddress parsed = InetAddress.getByName(text);
            if (!(parsed instanceof Inet6Address)) { // the JDK reads an IPv4-mapped literal as the IPv4 address
                throw new IllegalArgumentException("'" + text + "' is an IPv4-mapped IPv6 address (::ffff:0:0/96):"
                        + " write it as IPv4, " + parsed.getHostAddress());
            }
            return fromBytes(parsed.getAddress());
        } catch (UnknownHostException e) {
            throw notAnAddress(text);
        }
    }

    public static IpAddress fromBytes(byte[] bytes) {
        if (bytes.length == 4) {
            return new IpAddress(IpFamily.IPV4, 0, readLong(bytes, 0, 4));
        }
        if (bytes.length == 16) {
            return new IpAddress(IpFamily.IPV6, readLong(bytes, 0, 8), readLong(bytes, 8, 8));
        }
        throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + bytes.length);
    }

    public byte[] toBytes() {
        byte[] bytes = new byte[family.bytes()];
        if (family == IpFamily.IPV4) {
            writeLong(bytes, 0, 4, lo);
        } else {
            writeLong(bytes, 0, 8, hi);
            writeLong(bytes, 8, 8, lo);
        }
        return bytes;
    }

    /** The address with every bit after the first {@code prefixLength} cleared. */
    public IpAddress masked(int prefixLength) {
        checkPrefixLength(prefixLength);
        if (prefixLength == family.bits()) {
            return this; // every host prefix checks this when it is made: no copy
        }
        return family == IpFamily.IPV4 ? new IpAddress(family, 0, lo & ipv4Mask(prefixLength))
                : new IpAddress(family, hi & hiMask(prefixLength), lo & loMask(prefixLength));
    }

    /** Whether both addresses are of one family and agree in their first {@code prefixLength} bits; no copy made. */
    public boolean sharesPrefix(IpAddress other, int prefixLength) {
        checkPrefixLength(prefixLength);
        if (family != other.family) {
            return false;
        }
        if (family == IpFamily.IPV4) {
            return ((lo ^ other.lo) & ipv4Mask(prefixLength)) == 0;
        }
        return ((hi ^ other.hi) & hiMask(prefixLength)) == 0 && ((lo ^ other.lo) & loMask(prefixLength)) == 0;
    }

    private void checkPrefixLength(int prefixLength) {
        if (prefixLength < 0 || prefixLength > family.bits()) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
        }
    }

    private static long ipv4Mask(int prefixLength) {
        return prefixLength == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefixLength)) & 0xFFFF_FFFFL;
    }

    private static long hiMask(int prefixLength) {
        return prefixLength >= 64 ? -1L : prefixLength == 0 ? 0 : -1L << (64 - prefixLength);
    }

    private static long loMask(int prefixLength) {
        return prefixLength <= 64 ? 0 : prefixLength == 128 ? -1L : -1L << (128 - prefixLength);
    }

    @Override
    public int compareTo(IpAddress other) {
        int byFamily = family.compareTo(other.family);
        if (byFamily != 0) {
            return byFamily;
        }
        int byHi = Long.compareUnsigned(hi, other.hi);
        return byHi != 0 ? byHi : Long.compareUnsigned(lo, other.lo);
    }

    @Override
    public String toString() {
        return family == IpFamily.IPV4 ? appendTo(new StringBuilder(15)).toString() : formatIpv6();
    }

    /** Appends the address as {@link #toString()} writes it, without a string of its own for IPv4. */
    public StringBuilder appendTo(StringBuilder out) {
        if (family == IpFamily.IPV6) {
            return out.append(formatIpv6());
        }
        return out.append((lo >>> 24) & 0xFF).append('.').append((lo >>> 16) & 0xFF).append('.')
                .append((lo >>> 8) & 0xFF).append('.').append(lo & 0xFF);
    }

    /** Dotted quad, by hand: it runs once per allowed IP of a device read, hundreds of thousands of times. */
    private static long parseIpv4(String text) {
        long value = 0;
        int octets = 0;
        int i = 0;
        int length = text.length();
        while (i <= length) {
            int start = i;
            int octet = 0;
            while (i < length && text.charAt(i) != '.') {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    throw notAnAddress(text);
                }
                octet = octet * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            // leading zeros are refused: some parsers read them as octal
            if (digits == 0 || digits > 3 || octet > 255 || (digits > 1 && text.charAt(start) == '0') || ++octets > 4) {
                throw notAnAddress(text);
            }
            value = (value << 8) | octet;
            i++; // past the dot, or past the end
        }
        if (octets != 4) {
            throw notAnAddress(text);
        }
        return value;
    }

    /** RFC 5952: lower case, the longest run of two or more zero groups shortened to "::". */
    private String formatIpv6() {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) ((hi >>> (48 - 16 * i)) & 0xFFFF);
            groups[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xFFFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static IllegalArgumentException notAnAddress(String text) {
        return new IllegalArgumentException("'" + text + "' is not an IP address");
    }

    private static long readLong(byte[] bytes, int offset, int length) {
        long value = 0;
        for (int i = 0; i < length; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    private static void writeLong(byte[] bytes, int offset, int length, long value) {
        for (int i = length - 1; i >= 0; i--) {
            bytes[offset + i] = (byte) value;
            value >>>= 8;
        }
    }
}
