package dev.gitwire.desired;

import dev.gitwire.model.NftTable;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;

/**
 * The two tables of host encryption (docs/reference/kernel.md): packets and ARP from a peer's node address, entering by
 * anything but the WireGuard link (its handshakes and its UDP, before and around the tunnel), get the firewall
 * mark, so that strict reverse-path filtering (with src_valid_mark) looks their source up outside gitwire's
 * table, not into the tunnel. Nothing else is marked: a mark makes a forwarded packet skip table T, so marking
 * by interface (everything but lo, the link and the known pod interfaces) sent pods on other interfaces, and
 * NodePort traffic forwarded to a remote pod, out in plaintext.
 */
public final class HostEncryptionTables {

    public static final String TABLE = "gitwire";
    public static final NftTable INET_ABSENT = new NftTable("inet", TABLE, List.of());
    public static final NftTable ARP_ABSENT = new NftTable("arp", TABLE, List.of());
    /** Every table host encryption owns, empty: what the kernel adapter reads, whether host encryption is on or off. */
    public static final List<NftTable> OWNED = List.of(INET_ABSENT, ARP_ABSENT);
    /** The raw priority: before conntrack, so the mark is there for every later lookup. */
    private static final int PRIORITY_RAW = -300;
    private static final int PRIORITY_MANGLE = -150;

    private HostEncryptionTables() {}

    /**
     * The tables that mark what comes from {@code peerAddresses}, the node addresses of this node's peers; with
     * {@code exchangePort} (post-quantum pre-shared keys), also what this node sends to those addresses from or to
     * that TCP port, so that it leaves outside the tunnel: the exchange makes the key the tunnel's first handshake
     * needs, and carries nothing a KEM does not protect.
     */
    public static List<NftTable> of(long mark, String wireguardInterface, Collection<IpAddress> peerAddresses,
            OptionalInt exchangePort) {
        List<NftTable.Rule> inet = new ArrayList<>();
        List<NftTable.Rule> output = new ArrayList<>();
        List<NftTable.Rule> arp = new ArrayList<>();
        for (IpFamily family : IpFamily.values()) {
            List<String> sources = peerAddresses.stream().filter(a -> a.family() == family).sorted()
                    .map(IpAddress::toString).toList();
            if (sources.isEmpty()) {
                continue;
            }
            String protocol = family == IpFamily.IPV4 ? "ip" : "ip6";
            inet.add(new NftTable.Rule(List.of(new NftTable.IncomingInterfaceIsNot(wireguardInterface),
                    new NftTable.PayloadIn(protocol, "saddr", sources), new NftTable.MarkOr(mark))));
            exchangePort.ifPresent(port -> {
                for (String direction : List.of("dport", "sport")) {
                    output.add(new NftTable.Rule(List.of(new NftTable.PayloadIn(protocol, "daddr", sources),
                            new NftTable.PayloadIn("tcp", direction, List.of(String.valueOf(port))),
                            new NftTable.MarkOr(mark))));
                }
            });
            if (family == IpFamily.IPV4) {
                arp.add(new NftTable.Rule(List.of(new NftTable.PayloadIn("arp", "saddr ip", sources),
                        new NftTable.MarkOr(mark))));
            }
        }
        List<NftTable.Chain> chains = new ArrayList<>(List.of(new NftTable.Chain("prerouting", "filter", "prerouting",
                PRIORITY_RAW, "accept", inet)));
        if (!output.isEmpty()) { // a route chain: a mark set there makes the kernel route the packet again
            chains.add(new NftTable.Chain("output", "route", "output", PRIORITY_MANGLE, "accept", output));
        }
        return List.of(
                new NftTable("inet", TABLE, chains),
                new NftTable("arp", TABLE, List.of(new NftTable.Chain("input", "filter", "input", 0, "accept", arp))));
    }
}
