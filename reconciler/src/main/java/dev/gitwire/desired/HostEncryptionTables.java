package dev.gitwire.desired;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.model.NftTable;
import java.util.ArrayList;
import java.util.List;

/**
 * The two tables of host encryption (DESIGN §4): packets and ARP entering from anything but lo, the
 * WireGuard link and the workload interfaces get the firewall mark, so that strict reverse-path
 * filtering (with src_valid_mark) looks their source up outside gitwire's table, not into the tunnel.
 */
public final class HostEncryptionTables {

    public static final String TABLE = "gitwire";
    public static final NftTable INET_ABSENT = new NftTable("inet", TABLE, List.of());
    public static final NftTable ARP_ABSENT = new NftTable("arp", TABLE, List.of());
    /** The raw priority: before conntrack, so the mark is there for every later lookup. */
    private static final int PRIORITY_RAW = -300;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private HostEncryptionTables() {}

    public static List<NftTable> of(long mark, String wireguardInterface, List<String> workloadPrefixes) {
        List<NftTable.Rule> inet = new ArrayList<>();
        ObjectNode exempt = JSON.objectNode();
        exempt.putArray("set").add("lo").add(wireguardInterface);
        inet.add(new NftTable.Rule(List.of(iifname(exempt), returning())));
        workloadPrefixes.forEach(prefix -> inet.add(new NftTable.Rule(List.of(iifname(JSON.textNode(prefix + "*")),
                returning()))));
        inet.add(new NftTable.Rule(List.of(orMark(mark))));

        List<NftTable.Rule> arp = new ArrayList<>();
        workloadPrefixes.forEach(prefix -> arp.add(new NftTable.Rule(List.of(iifname(JSON.textNode(prefix + "*")),
                returning()))));
        arp.add(new NftTable.Rule(List.of(orMark(mark))));

        return List.of(
                new NftTable("inet", TABLE, List.of(new NftTable.Chain("prerouting", "filter", "prerouting",
                        PRIORITY_RAW, "accept", inet))),
                new NftTable("arp", TABLE, List.of(new NftTable.Chain("input", "filter", "input", 0, "accept", arp))));
    }

    private static JsonNode iifname(JsonNode right) {
        ObjectNode match = JSON.objectNode();
        ObjectNode body = match.putObject("match").put("op", "==");
        body.putObject("left").putObject("meta").put("key", "iifname");
        body.set("right", right);
        return match;
    }

    private static JsonNode returning() {
        return JSON.objectNode().putNull("return");
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
