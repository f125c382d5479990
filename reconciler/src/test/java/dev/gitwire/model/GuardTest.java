package dev.gitwire.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.net.Cidr;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What the guard holds: nft refuses overlapping intervals, and its host sets are sized once. */
class GuardTest {

    private static TreeSet<Cidr> cidrs(String... texts) {
        TreeSet<Cidr> set = new TreeSet<>();
        for (String text : texts) {
            set.add(Cidr.parse(text));
        }
        return set;
    }

    @Test
    void aPrefixInsideAnotherIsLeftOutAndHostsStay() {
        Guard guard = Guard.of(0x100000, "gitwire0",
                cidrs("10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.2.3.4/32", "11.0.0.0/8", "fd00::/8", "fd00:1::/32"));
        assertThat(guard.destinations()).containsExactlyElementsOf(
                cidrs("10.0.0.0/8", "10.2.3.4/32", "11.0.0.0/8", "fd00::/8"));
    }

    @Test
    void withNothingCoveredTheSetIsKeptAsItIs() {
        TreeSet<Cidr> hosts = cidrs("10.0.0.1/32", "10.0.0.2/32", "10.0.1.0/24");
        assertThat(Guard.of(1, "wg0", hosts).destinations()).containsExactlyElementsOf(hosts);
    }

    @Test
    void hostSetsHoldTwiceTheHostsOfTheLargerFamily() {
        List<Cidr> hosts = IntStream.range(0, 40_000).mapToObj(i -> Cidr.parse("10.64." + (i >> 8) + "." + (i & 255)))
                .toList();
        Guard guard = Guard.of(1, "wg0", SortedArraySet.copyOf(hosts));
        assertThat(guard.hostsPerFamily()).isEqualTo(40_000);
        assertThat(guard.hostCapacity()).isEqualTo(1 << 17);
        assertThat(Guard.of(1, "wg0", cidrs("10.0.0.1/32")).hostCapacity()).isEqualTo(Guard.MIN_CAPACITY);
    }
}
