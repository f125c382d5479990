package dev.gitwire.desired;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.model.NftTable;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

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
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private HostEncryptionTables() {}

    /** The tables that mark what comes from {@code peerAddresses}, the node addresses of this node's peers. */
    public static List<NftTable> of(long mark, String wireguardInterface, Collection<IpAddress> peerAddresses) {
        List<NftTable.Rule> inet = new ArrayList<>();
        List<NftTable.Rule> arp = new ArrayList<>();
        for (IpFamily family : IpFamily.values()) {
            List<String> sources = peerAddresses.stream().filter(a -> a.family() == family).sorted()
                    .map(IpAddress::toString).toList();
            if (sources.isEmpty()) {
                continue;
            }
            String protocol = family == IpFamily.IPV4 ? "ip" : "ip6";
            inet.add(new NftTable.Rule(List.of(notFrom(wireguardInterface), from(protocol, "saddr", sources),
                    orMark(mark))));
            if (family == IpFamily.IPV4) {
                arp.add(new NftTable.Rule(List.of(from("arp", "saddr ip", sources), orMark(mark))));
            }
        }
        return List.of(
                new NftTable("inet", TABLE, List.of(new NftTable.Chain("prerouting", "filter", "prerouting",
                        PRIORITY_RAW, "accept", inet))),
                new NftTable("arp", TABLE, List.of(new NftTable.Chain("input", "filter", "input", 0, "accept", arp))));
    }

    private static JsonNode notFrom(String wireguardInterface) {
        ObjectNode match = JSON.objectNode();
        ObjectNode body = match.putObject("match").put("op", "!=");
        body.putObject("left").putObject("meta").put("key", "iifname");
        body.put("right", wireguardInterface);
        return match;
    }

    /** {@code PROTOCOL FIELD {ADDRESSES}}; one address as itself, as nft prints a set of one. */
    private static JsonNode from(String protocol, String field, List<String> addresses) {
        ObjectNode match = JSON.objectNode();
        ObjectNode body = match.putObject("match").put("op", "==");
        body.putObject("left").putObject("payload").put("protocol", protocol).put("field", field);
        if (addresses.size() == 1) {
            body.put("right", addresses.get(0));
        } else {
            ArrayNode set = body.putObject("right").putArray("set");
            addresses.forEach(set::add);
        }
        return match;
    }

    /** meta mark set meta mark | M: keeps whatever else the mark carries. */
    private static JsonNode orMark(long mark) {
        ObjectNode mangle = JSON.objectNode();
        ObjectNode body = mangle.putObject("mangle");
        body.putObject("key").putObject("meta").put("key", "mark");
        ObjectNode or = JSON.objectNode();
        or.putArray("|").add(JSON.objectNode().set("meta", JSON.objectNode().put("key", "mark"))).add(mark);
        body.set("value", or);
        return mangle;
    }
}
