package dev.gitwire.model;

import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * The fail-closed guard (docs/architecture.md, "The guard"): packets to {@link #destinations()} that leave
 * by any interface but {@link #interfaceName()} without the firewall mark are dropped, in the output and
 * forward hooks. It holds the destinations of peers once they are proven (a handshake), so that whatever
 * else goes missing, the device, a route or the rule, such a packet is dropped and never sent in plaintext.
 * A prefix covered by another is left out: it is dropped all the same, and nft refuses overlapping intervals.
 * Host destinations are held in fixed-size hash sets of {@link #hostCapacity()} entries per family: a set
 * that grows while it is read can be listed short (the kernel's resizable hash table, measured), and a
 * fixed size also means one lookup per packet, however many destinations.
 */
public record Guard(long firewallMark, String interfaceName, int hostCapacity, SortedSet<Cidr> destinations) {

    static final int MIN_CAPACITY = 1 << 16;

    public Guard {
        destinations = withoutCovered(destinations);
    }

    /** A guard of these rules sized for its destinations: twice as many host slots as it needs, at least 65,536. */
    public static Guard of(long firewallMark, String interfaceName, SortedSet<Cidr> destinations) {
        long needed = 2L * hostsPerFamily(destinations); // the same before and after covered prefixes leave: hosts stay
        int capacity = MIN_CAPACITY;
        while (capacity < needed && capacity < (1 << 30)) {
            capacity <<= 1;
        }
        return new Guard(firewallMark, interfaceName, capacity, destinations);
    }

    /** The larger of the numbers of IPv4 and IPv6 host destinations: what one hash set must hold. */
    public long hostsPerFamily() {
        return hostsPerFamily(destinations);
    }

    private static long hostsPerFamily(SortedSet<Cidr> destinations) {
        long v4 = 0;
        long v6 = 0;
        for (Cidr d : destinations) {
            if (d.isHost()) {
                if (d.family() == IpFamily.IPV4) {
                    v4++;
                } else {
                    v6++;
                }
            }
        }
        return Math.max(v4, v6);
    }

    /** Whether this guard, as it is, can become {@code wanted} by adding and releasing destinations alone. */
    public boolean fits(Guard wanted) {
        return sameRules(wanted) && hostCapacity >= wanted.hostsPerFamily();
    }

    /** The prefixes not inside another prefix of the set; host prefixes stay, they go to a set of their own. */
    private static SortedSet<Cidr> withoutCovered(SortedSet<Cidr> all) {
        SortedArraySet<Cidr> sorted = SortedArraySet.copyOf(all);
        List<Cidr> kept = null; // made at the first covered prefix: most guards have none
        Cidr lastNetwork = null;
        for (Cidr c : sorted) { // sorted by network then length: a covering prefix comes before what it covers
            boolean covered = !c.isHost() && lastNetwork != null && lastNetwork.overlaps(c)
                    && lastNetwork.prefixLength() <= c.prefixLength();
            if (covered && kept == null) {
                kept = new ArrayList<>(sorted.headSet(c));
            } else if (!covered && kept != null) {
                kept.add(c);
            }
            if (!covered && !c.isHost()) {
                lastNetwork = c;
            }
        }
        return kept == null ? sorted : SortedArraySet.copyOf(kept);
    }

    /** The same rules and capacity, holding nothing yet. */
    public Guard withoutDestinations() {
        return new Guard(firewallMark, interfaceName, hostCapacity, SortedArraySet.of());
    }

    public boolean sameRules(Guard other) {
        return firewallMark == other.firewallMark && interfaceName.equals(other.interfaceName);
    }
}
