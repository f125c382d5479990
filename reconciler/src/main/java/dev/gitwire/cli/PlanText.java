package dev.gitwire.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.agent.Reconciler;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.Operation;
import dev.gitwire.plan.Plan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How plans print: counts per kind, then one line per operation; or JSON. Private keys never print. */
final class PlanText {

    private PlanText() {}

    /**
     * Prints the counts per kind, then one line per operation; peers by their node's name in {@code target}
     * (and key fingerprint). One text, one write: picocli's writers flush at every line, and a 100,000-IP peer
     * makes 200,000 lines.
     */
    static void print(PrintWriter out, Plan plan, DesiredDataplane target) {
        Map<PublicKey, String> names = peerNames(target);
        String counts = plan.counts().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        StringBuilder text = new StringBuilder(64 + 64 * plan.size());
        text.append(plan.size()).append(" changes").append(plan.isEmpty() ? "" : ": " + counts);
        for (Operation op : plan.operations()) {
            describe(text.append(System.lineSeparator()).append("  "), op, names);
        }
        out.println(text);
    }

    /** Each peer's label, "node-b (PexKHZOm…)", or the fingerprint alone for a key no node of the intent has. */
    private static Map<PublicKey, String> peerNames(DesiredDataplane target) {
        Map<PublicKey, String> names = new HashMap<>();
        target.reports().forEach(r -> r.key().ifPresent(k -> names.putIfAbsent(k, r.node() + " (" + k.fingerprint() + "…)")));
        return names;
    }

    private static String peer(PublicKey key, Map<PublicKey, String> names) {
        String label = names.get(key);
        return label == null ? key.fingerprint() + "…" : label;
    }

    static String describe(Operation op, Map<PublicKey, String> names) {
        return describe(new StringBuilder(), op, names).toString();
    }

    /** Appends what {@code op} does; the kinds a 100,000-IP peer repeats append their addresses without a string each. */
    private static StringBuilder describe(StringBuilder out, Operation op, Map<PublicKey, String> names) {
        if (op instanceof Operation.AddAllowedIp a) {
            return a.cidr().appendTo(out.append("add allowed IP ")).append(" to peer ").append(peer(a.key(), names));
        } else if (op instanceof Operation.AddRoute a) {
            return a.route().appendTo(out.append("add route "));
        } else if (op instanceof Operation.GuardDestination g) {
            return g.destination().appendTo(out.append("guard "));
        }
        return out.append(describeOther(op, names));
    }

    private static String describeOther(Operation op, Map<PublicKey, String> names) {
        if (op instanceof Operation.CreateDevice c) {
            return "create WireGuard link " + c.interfaceName() + " mtu " + c.mtu();
        } else if (op instanceof Operation.AnchorLink a) {
            return "add address " + Operation.AnchorLink.ADDRESS + "/32 scope host to " + a.interfaceName()
                    + " (reverse-path filtering)";
        } else if (op instanceof Operation.SetLink s) {
            return "set link " + s.interfaceName() + " mtu " + s.mtu() + (s.up() ? " up" : " down");
        } else if (op instanceof Operation.DeleteDevice d) {
            return "delete WireGuard link " + d.interfaceName();
        } else if (op instanceof Operation.ConfigureDevice c) {
            return "configure device" + (c.privateKey().isPresent() ? " private key (public "
                    + c.privateKey().get().publicKey().fingerprint() + "…)" : "")
                    + (c.listenPort().isPresent() ? " listen port " + c.listenPort().getAsInt() : "")
                    + (c.firewallMark().isPresent() ? String.format(" fwmark 0x%x", c.firewallMark().getAsLong()) : "");
        } else if (op instanceof Operation.AddPeer a) {
            return "add peer " + peer(a.key(), names) + a.endpoint().map(e -> " endpoint " + e).orElse("");
        } else if (op instanceof Operation.UpdatePeer u) {
            return "update peer " + peer(u.key(), names) + u.endpoint().map(e -> " endpoint " + e).orElse("")
                    + " keepalive " + u.persistentKeepalive().getSeconds() + "s";
        } else if (op instanceof Operation.RemovePeer r) {
            return "remove peer " + peer(r.key(), names);
        } else if (op instanceof Operation.SetPresharedKey s) {
            return (s.presharedKey().isPresent() ? "set" : "clear") + " pre-shared key of peer " + peer(s.key(), names);
        } else if (op instanceof Operation.RemoveAllowedIp r) {
            return "remove allowed IP " + r.cidr() + " from peer " + peer(r.key(), names);
        } else if (op instanceof Operation.ReplaceRoute r) {
            return "replace route " + r.route();
        } else if (op instanceof Operation.DeleteRoute d) {
            return "delete route " + d.route();
        } else if (op instanceof Operation.AddRule a) {
            return "add rule " + a.rule();
        } else if (op instanceof Operation.DeleteRule d) {
            return "delete rule " + d.rule();
        } else if (op instanceof Operation.InstallGuard g) {
            return "install guard (nft table inet gitwire_guard): drop unmarked packets to "
                    + g.guard().destinations().size() + " destinations leaving by anything but "
                    + g.guard().interfaceName();
        } else if (op instanceof Operation.ReleaseDestination r) {
            return "release " + r.destination() + " from the guard";
        } else if (op instanceof Operation.DeleteGuard) {
            return "delete guard (nft table inet gitwire_guard)";
        } else if (op instanceof Operation.ReplaceNftTable r) {
            return "replace nft table " + r.table().family() + " " + r.table().name();
        } else if (op instanceof Operation.DeleteNftTable d) {
            return "delete nft table " + d.family() + " " + d.name();
        } else if (op instanceof Operation.SetSysctl s) {
            return "set " + s.name() + " = " + s.value();
        }
        return "restore " + ((Operation.RestoreSysctl) op).name();
    }

    /** The guard and the peers held back until their first handshake, as `plan` and `apply` show them. */
    static List<String> gating(DesiredDataplane target) {
        List<String> lines = new ArrayList<>();
        target.guard().ifPresent(g -> {
            long ipv6 = g.destinations().stream().filter(d -> d.family() == IpFamily.IPV6).count();
            lines.add("guard: " + g.destinations().size()
                    + (g.destinations().size() == 1 ? " destination never leaves" : " destinations never leave")
                    + " unencrypted (dropped if the tunnel is missing)"
                    + (ipv6 == 0 ? "" : ": " + (g.destinations().size() - ipv6) + " IPv4, " + ipv6 + " IPv6"));
        });
        List<String> waiting = target.awaitingHandshake();
        if (!waiting.isEmpty()) {
            lines.add("awaiting a first handshake, not routed into the tunnel yet: " + String.join(", ", waiting));
        }
        return lines;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static String json(Reconciler.Preview preview) {
        return text(json(preview.plan(), preview.target()));
    }

    /** A plan as `plan --output json` prints it: its changes, by kind and one by one, and what the target guards. */
    static ObjectNode json(Plan plan, DesiredDataplane target) {
        ObjectNode root = JSON.createObjectNode();
        root.put("guardedDestinations", target.guard().map(g -> g.destinations().size()).orElse(0));
        ObjectNode byFamily = root.putObject("guardedDestinationsByFamily");
        byFamily.put("ipv4", target.guard().map(g -> g.destinations().stream()
                .filter(d -> d.family() == IpFamily.IPV4).count()).orElse(0L));
        byFamily.put("ipv6", target.guard().map(g -> g.destinations().stream()
                .filter(d -> d.family() == IpFamily.IPV6).count()).orElse(0L));
        ArrayNode awaiting = root.putArray("awaitingHandshake");
        target.awaitingHandshake().forEach(awaiting::add);
        root.put("changes", plan.size());
        ObjectNode counts = root.putObject("counts");
        plan.counts().forEach(counts::put);
        root.set("operations", operations(plan, target));
        return root;
    }

    static ArrayNode operations(Plan plan, DesiredDataplane target) {
        ArrayNode operations = JSON.createArrayNode();
        Map<PublicKey, String> names = peerNames(target);
        plan.operations().forEach(op -> operations.addObject().put("kind", op.kind())
                .put("description", describe(op, names)));
        return operations;
    }

    static String text(ObjectNode root) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
