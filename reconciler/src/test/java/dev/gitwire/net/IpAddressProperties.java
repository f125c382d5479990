package dev.gitwire.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.testing.IntentArbitraries;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class IpAddressProperties {

    @Property
    void printedAddressesParseBack(@ForAll("addresses") IpAddress address) {
        assertThat(IpAddress.parse(address.toString())).isEqualTo(address);
    }

    @Property
    void printingMatchesTheJdk(@ForAll("addresses") IpAddress address) throws UnknownHostException {
        InetAddress jdk = InetAddress.getByAddress(address.toBytes());
        assertThat(IpAddress.fromBytes(jdk.getAddress())).isEqualTo(address);
        if (address.family() == IpFamily.IPV4) {
            assertThat(address.toString()).isEqualTo(jdk.getHostAddress());
        }
    }

    /** The comparison without copies agrees with masking both and comparing, at every length. */
    @Property
    void sharingAPrefixIsAgreeingOnceMasked(@ForAll("addresses") IpAddress a, @ForAll("addresses") IpAddress b,
            @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 128) int length) {
        IpAddress near = a.family() == b.family() ? b
                : IpAddress.fromBytes(Arrays.copyOf(b.toBytes(), a.family().bytes())); // same family, mostly
        int bits = Math.min(length, a.family().bits());
        boolean masked = a.masked(bits).equals(near.masked(bits));
        assertThat(a.sharesPrefix(near, bits)).isEqualTo(masked);
        IpAddress close = a.family() == IpFamily.IPV4 ? new IpAddress(a.family(), 0, a.lo() ^ 1)
                : new IpAddress(a.family(), a.hi(), a.lo() ^ 1); // differs in the last bit only
        assertThat(a.sharesPrefix(close, bits)).isEqualTo(bits < a.family().bits());
        assertThat(Cidr.host(a).overlaps(Cidr.host(close))).isFalse();
        assertThat(new Cidr(a.masked(bits), bits).contains(close)).isEqualTo(bits < a.family().bits());
    }

    @Property
    void aCidrContainsItsNetworkAndOverlapsItself(@ForAll("cidrs") Cidr cidr) {
        assertThat(cidr.contains(cidr.network())).isTrue();
        assertThat(cidr.overlaps(cidr)).isTrue();
        assertThat(Cidr.parse(cidr.toString())).isEqualTo(cidr);
    }

    @Example
    void ipv6IsPrintedInItsShortestForm() {
        assertThat(IpAddress.parse("fd00:0:0:0:0:0:0:1")).hasToString("fd00::1");
        assertThat(IpAddress.parse("2001:db8:0:0:1:0:0:1")).hasToString("2001:db8::1:0:0:1");
        assertThat(IpAddress.parse("::")).hasToString("::");
    }

    @Example
    void namesAndOddFormsAreRefusedWithoutALookup() {
        for (String text : new String[] {"localhost", "10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4.5", "fe80::1%eth0",
                "zz::1", ""}) {
            assertThatThrownBy(() -> IpAddress.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not an IP address");
        }
        // an IPv4-mapped literal is refused too, saying how to write it (issue 29)
        assertThatThrownBy(() -> IpAddress.parse("::ffff:10.0.0.1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'::ffff:10.0.0.1' is an IPv4-mapped IPv6 address (::ffff:0:0/96): write it as IPv4, 10.0.0.1");
    }

    @Example
    void hostBitsAreRefusedWithTheNetworkNamed() {
        assertThatThrownBy(() -> Cidr.parse("10.244.1.7/24")).hasMessageContaining("the network is 10.244.1.0/24");
    }

    @Provide
    Arbitrary<IpAddress> addresses() {
        return IntentArbitraries.addresses();
    }

    @Provide
    Arbitrary<Cidr> cidrs() {
        return IntentArbitraries.cidrs();
    }
}
