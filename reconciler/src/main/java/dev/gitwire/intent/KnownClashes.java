package dev.gitwire.intent;

import java.util.List;
import java.util.Optional;

/**
 * The names and numbers that the networking agents a cluster already runs (Calico, Cilium, kube-proxy, Azure CNI)
 * and the kernel itself take for their own: a mesh.yaml that names one of them gets a warning at its line, since
 * the other agent will delete, overwrite or outrank what gitwire puts there. docs/intent-format.md has the table,
 * with each value's source.
 */
final class KnownClashes {

    private record Taken(String owner, String why) {}

    private record Bits(long mask, String owner) {}

    private static final List<Bits> MARK_BITS = List.of(
            new Bits(0xFFFF_0000L, "Calico's mark bits (Felix's default iptablesMarkMask 0xffff0000; its own WireGuard"
                    + " mark is 0x100000)"),
            new Bits(0x8000L, "kube-proxy's drop mark 0x8000"),
            new Bits(0x4000L, "kube-proxy's masquerade mark 0x4000"),
            new Bits(0x1000L, "Cilium's WireGuard mark, which uses this bit of kube-proxy's nibble"),
            new Bits(0x0F00L, "Cilium's magic marks (mask 0x0f00)"),
            new Bits(0x00FFL, "Cilium's security identity, carried in the mark's low byte and high half"));

    private KnownClashes() {}

    static Optional<String> interfaceName(String name) {
        Optional<Taken> taken = switch (name) {
            case "wireguard.cali", "wg-v6.cali" -> Optional.of(new Taken("Calico's WireGuard device",
                    "Felix deletes a link of that name at start and whenever it comes up while Calico's WireGuard is off"
                            + " (AKS --network-policy calico), and owns it while on"));
            case "cilium_wg0" -> Optional.of(new Taken("Cilium's WireGuard device", "Cilium deletes it when its"
                    + " encryption is off and configures it when on"));
            case "kube-ipvs0" -> Optional.of(new Taken("kube-proxy's IPVS device", "kube-proxy owns it"));
            default -> name.startsWith("cali") ? Optional.of(new Taken("a Calico workload interface (prefix cali)",
                    "Felix treats every cali* link as a pod's"))
                    : name.startsWith("lxc") || name.startsWith("cilium_") ? Optional.of(new Taken(
                            "a Cilium device (prefixes lxc, cilium_)", "Cilium manages those links"))
                    : name.startsWith("azv") ? Optional.of(new Taken("an Azure CNI pod interface (prefix azv)",
                            "Azure CNI creates and deletes those links with pods"))
                    : Optional.empty();
        };
        return taken.map(t -> "interface name '" + name + "' is " + t.owner() + ": " + t.why());
    }

    static Optional<String> firewallMark(long mark) {
        return MARK_BITS.stream().filter(b -> (mark & b.mask()) != 0).findFirst()
                .map(b -> String.format("firewall mark 0x%x uses a bit of %s: a packet marked by the other may skip the"
                        + " tunnel, or lose gitwire's mark", mark, b.owner()));
    }

    static Optional<String> table(long table) {
        return table >= 1 && table <= 250 ? Optional.of("routing table " + table + " lies in Calico's route-table range"
                + " (routeTableRange 1-250; Cilium takes 200-202 and per-ENI tables from 10): Felix may flush it")
                : Optional.empty();
    }

    static Optional<String> rulePriority(long priority) {
        if (priority == 99) {
            return Optional.of("rule priority 99 is Calico's WireGuard rule's (wireguardRoutingRulePriority)");
        }
        if (priority == 0 || priority >= 32766) {
            return Optional.of("rule priority " + priority + " is the kernel's own (0 local, 32766 main, 32767 default):"
                    + " gitwire's rule must come after local and before main");
        }
        return Optional.empty();
    }
}
