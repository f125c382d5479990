package dev.gitwire.dataplane.nft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.model.Guard;
import dev.gitwire.model.NftTable;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The guard as the nftables table {@code inet gitwire_guard}: two base chains, at the output and forward
 * hooks, that accept what carries the firewall mark (WireGuard's own packets) or leaves by the WireGuard
 * link, and drop what goes to a guarded destination. Host destinations are in fixed-size hash sets (one
 * lookup per packet, whatever their number; see {@link Guard}), prefixes in interval sets. Changes are
 * {@code nft -j -f -} transactions: all or nothing.
 */
public final class GuardTable {

    public static final String FAMILY = "inet";
    public static final String NAME = "gitwire_guard";
    private static final List<String> CHAINS = List.of("output", "forward");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;
    /** Packets the drop rules of the table as last read had counted: each install starts them at 0. */
    private volatile long droppedAtLastRead;

    public GuardTable(CommandRunner runner) {
        this.runner = runner;
    }

    /** The guard as the kernel has it; one whose rules are not exactly gitwire's reads with mark 0, to be rebuilt. */
    public Optional<Guard> read() {
        Optional<JsonNode> listed = Nftables.list(runner, FAMILY, NAME);
        droppedAtLastRead = listed.map(GuardTable::dropped).orElse(0L);
        return listed.map(GuardTable::parse);
    }

    /** What the drop rules had counted at the last {@link #read()}: packets the guard kept from leaving unencrypted. */
    public long droppedAtLastRead() {
        return droppedAtLastRead;
    }

    /** Creates the guard with its destinations, replacing whatever table of that name is there, atomically. */
    public void install(Guard guard) {
        ArrayNode commands = JSON.createArrayNode();
        Nftables.ensureThenDelete(commands, FAMILY, NAME);
        commands.addObject().set("add", Nftables.tableObject(FAMILY, NAME));
        for (SetName set : SetName.values()) {
            ObjectNode s = JSON.createObjectNode().put("family", FAMILY).put("table", NAME).put("name", set.name)
                    .put("type", set.family == IpFamily.IPV4 ? "ipv4_addr" : "ipv6_addr");
            if (!set.hosts) {
                s.putArray("flags").add("interval");
            } else {
                s.put("size", guard.hostCapacity());
            }
            commands.addObject().putObject("add").set("set", s);
        }
        // after the sets, which the rules refer to
        Nftables.addChains(commands, FAMILY, NAME, chains(guard.firewallMark(), guard.interfaceName()));
        elements(commands, "add", guard.destinations());
        transaction(commands);
    }

    /** Adds destinations to the guard, in one transaction. */
    public void add(Collection<Cidr> destinations) {
        ArrayNode commands = JSON.createArrayNode();
        elements(commands, "add", destinations);
        transaction(commands);
    }

    /** Takes destinations out of the guard, in one transaction. */
    public void remove(Collection<Cidr> destinations) {
        ArrayNode commands = JSON.createArrayNode();
        elements(commands, "delete", destinations);
        transaction(commands);
    }

    public void delete() {
        ArrayNode commands = JSON.createArrayNode();
        Nftables.ensureThenDelete(commands, FAMILY, NAME);
        transaction(commands);
    }

    /** The base chains of a guard: the same rules at the output hook (this node) and forward (its pods). */
    static List<NftTable.Chain> chains(long mark, String interfaceName) {
        List<NftTable.Rule> rules = new ArrayList<>();
        rules.add(new NftTable.Rule(List.of(new NftTable.Marked(mark), new NftTable.Verdict("accept"))));
        rules.add(new NftTable.Rule(List.of(new NftTable.OutgoingInterfaceIs(interfaceName),
                new NftTable.Verdict("accept"))));
        for (SetName set : SetName.values()) {
            // the drop rules' counters are what gitwire_guard_dropped_packets_total reports
            rules.add(new NftTable.Rule(List.of(new NftTable.PayloadIn(set.family == IpFamily.IPV4 ? "ip" : "ip6",
                    "daddr", List.of("@" + set.name)), new NftTable.Counter(), new NftTable.Verdict("drop"))));
        }
        return CHAINS.stream().map(hook -> new NftTable.Chain(hook, "filter", hook, 0, "accept", rules)).toList();
    }

    /** The packets the table's counters hold, summed. */
    static long dropped(JsonNode document) {
        long packets = 0;
        for (JsonNode item : document.path("nftables")) {
            for (JsonNode expression : item.path("rule").path("expr")) {
                packets += expression.path("counter").path("packets").asLong(0);
            }
        }
        return packets;
    }

    static Guard parse(JsonNode document) {
        NftTable table = Nftables.parse(FAMILY, NAME, document);
        TreeSet<Cidr> destinations = new TreeSet<>();
        Set<Integer> capacities = new HashSet<>();
        int sets = 0;
        boolean wellFormed = true;
        for (JsonNode item : document.path("nftables")) {
            JsonNode set = item.get("set");
            if (set == null) {
                continue;
            }
            Optional<SetName> known = SetName.of(set.path("name").asText());
            if (known.isEmpty()) {
                wellFormed = false;
                continue;
            }
            sets++;
            if (known.get().hosts) {
                capacities.add(set.path("size").asInt(0));
            }
            for (JsonNode element : set.path("elem")) {
                Optional<Cidr> cidr = element(element, known.get());
                cidr.ifPresent(destinations::add);
                wellFormed &= cidr.isPresent();
            }
        }
        long mark = markOf(table);
        String interfaceName = interfaceOf(table);
        int capacity = capacities.size() == 1 ? capacities.iterator().next() : 0;
        boolean ours = wellFormed && sets == SetName.values().length && mark != 0 && capacity > 0
                && table.chains().equals(chains(mark, interfaceName));
        return new Guard(ours ? mark : 0, interfaceName, capacity, destinations);
    }

    private static Optional<Cidr> element(JsonNode element, SetName set) {
        try {
            if (element.isTextual()) {
                IpAddress address = IpAddress.parse(element.asText());
                return address.family() == set.family ? Optional.of(Cidr.host(address)) : Optional.empty();
            }
            JsonNode prefix = element.path("prefix");
            if (prefix.isObject()) {
                return Optional.of(new Cidr(IpAddress.parse(prefix.path("addr").asText()), prefix.path("len").asInt()));
            }
        } catch (IllegalArgumentException e) {
            // not an element gitwire writes: the guard is rebuilt
        }
        return Optional.empty();
    }

    private static long markOf(NftTable table) {
        return table.chains().stream().flatMap(c -> c.rules().stream()).findFirst()
                .flatMap(r -> r.expressions().stream().findFirst()).filter(NftTable.Marked.class::isInstance)
                .map(e -> ((NftTable.Marked) e).mark()).orElse(0L);
    }

    private static String interfaceOf(NftTable table) {
        return table.chains().stream().flatMap(c -> c.rules().stream()).skip(1).findFirst()
                .flatMap(r -> r.expressions().stream().findFirst()).filter(NftTable.OutgoingInterfaceIs.class::isInstance)
                .map(e -> ((NftTable.OutgoingInterfaceIs) e).name()).orElse("");
    }

    private static void elements(ArrayNode commands, String verb, Collection<Cidr> destinations) {
        for (SetName set : SetName.values()) {
            ArrayNode elements = JSON.createArrayNode();
            destinations.stream().filter(d -> d.family() == set.family && d.isHost() == set.hosts).forEach(d -> {
                if (d.isHost()) {
                    elements.add(d.network().toString());
                } else {
                    elements.addObject().putObject("prefix").put("addr", d.network().toString())
                            .put("len", d.prefixLength());
                }
            });
            if (!elements.isEmpty()) {
                ObjectNode element = JSON.createObjectNode().put("family", FAMILY).put("table", NAME)
                        .put("name", set.name);
                element.set("elem", elements);
                commands.addObject().putObject(verb).set("element", element);
            }
        }
    }

    private void transaction(ArrayNode commands) {
        Nftables.transaction(runner, commands, "nft transaction on the guard");
    }

    /** The four sets: hosts (hash) and prefixes (interval), per family. */
    private enum SetName {
        HOSTS4("hosts4", IpFamily.IPV4, true),
        NETS4("nets4", IpFamily.IPV4, false),
        HOSTS6("hosts6", IpFamily.IPV6, true),
        NETS6("nets6", IpFamily.IPV6, false);

        final String name;
        final IpFamily family;
        final boolean hosts;

        SetName(String name, IpFamily family, boolean hosts) {
            this.name = name;
            this.family = family;
            this.hosts = hosts;
        }

        static Optional<SetName> of(String name) {
            for (SetName s : values()) {
                if (s.name.equals(name)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }
}
