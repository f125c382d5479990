package dev.gitwire.intent;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Checks across the node files: what is unique in a cluster must be unique in the inventory, or two
 * peers would claim one destination and the kernel would route it to whichever came last.
 */
final class InventoryCheck {

    /** A bound node with the file it came from, for placing problems. */
    record SourcedNode(MeshNode node, LocatedFile file) {}

    /** Item {@code index} of spec.{@code field} of a node: one small object per claim, 100,000s of them. */
    private record Claim(SourcedNode owner, String field, int index) {
        Object[] path() {
            return new Object[] {"spec", field, index};
        }
    }

    private InventoryCheck() {}

    static List<Problem> check(List<SourcedNode> nodes, ClaimBounds bounds) {
        List<Problem> problems = new ArrayList<>();
        uniqueNames(nodes, problems);
        boundedClaims(nodes, bounds, problems);
        uniqueIps(nodes, problems);
        TreeMap<IpAddress, Claim> podCidrs = disjointPodCidrs(nodes, problems);
        workloadsOutsideForeignPodCidrs(nodes, podCidrs, problems);
        uniquePins(nodes, problems);
        sharedFamilies(nodes, problems);
        return problems;
    }

    private static void uniqueNames(List<SourcedNode> nodes, List<Problem> problems) {
        Map<String, SourcedNode> byName = new HashMap<>();
        for (SourcedNode n : nodes) {
            SourcedNode first = byName.putIfAbsent(n.node().name(), n);
            if (first != null) {
                problems.add(n.file().error("node name '" + n.node().name() + "' is also used by "
                        + first.file().file(), "metadata", "name"));
            }
        }
    }

    /** What a node claims must be routable to it: see {@link ClaimBounds}. */
    private static void boundedClaims(List<SourcedNode> nodes, ClaimBounds bounds, List<Problem> problems) {
        for (SourcedNode n : nodes) {
            List<Cidr> addresses = n.node().addresses().stream().map(Cidr::host).toList();
            bound(n, addresses, "addresses", bounds::addressRefusal, problems);
            bound(n, n.node().workloadIPs().stream().map(Cidr::host).toList(), "workloadIPs", bounds::refusal, problems);
            bound(n, n.node().podCIDRs(), "podCIDRs", bounds::refusal, problems);
        }
    }

    private static void bound(SourcedNode n, List<Cidr> claims, String field,
            Function<Cidr, Optional<String>> refusal, List<Problem> problems) {
        for (int i = 0; i < claims.size(); i++) {
            int at = i;
            refusal.apply(claims.get(i)).ifPresent(why -> problems.add(n.file().error("not routable to a node: " + why,
                    "spec", field, at)));
        }
    }

    /** Node addresses and workload IPs share one space: each may belong to one node, once. */
    private static void uniqueIps(List<SourcedNode> nodes, List<Problem> problems) {
        Map<IpAddress, Claim> claims = new HashMap<>();
        for (SourcedNode n : nodes) {
            claimEach(n, n.node().addresses(), "addresses", claims, problems);
            claimEach(n, n.node().workloadIPs(), "workloadIPs", claims, problems);
        }
    }

    private static void claimEach(SourcedNode n, List<IpAddress> ips, String field, Map<IpAddress, Claim> claims,
            List<Problem> problems) {
        for (int i = 0; i < ips.size(); i++) {
            Claim claim = new Claim(n, field, i);
            Claim first = claims.putIfAbsent(ips.get(i), claim);
            if (first != null) {
                problems.add(n.file().error(ips.get(i) + " is already " + describe(first), claim.path()));
            }
        }
    }

    /** Pod CIDRs of all nodes, keyed by network, after reporting every overlap. */
    private static TreeMap<IpAddress, Claim> disjointPodCidrs(List<SourcedNode> nodes, List<Problem> problems) {
        TreeMap<IpAddress, Claim> byNetwork = new TreeMap<>();
        for (SourcedNode n : nodes) {
            List<Cidr> cidrs = n.node().podCIDRs();
            for (int i = 0; i < cidrs.size(); i++) {
                Cidr cidr = cidrs.get(i);
                Claim claim = new Claim(n, "podCIDRs", i);
                Claim overlapping = overlapping(byNetwork, cidr);
                if (overlapping != null) {
                    problems.add(n.file().error("pod CIDR " + cidr + " overlaps " + describe(overlapping),
                            claim.path()));
                } else {
                    byNetwork.put(cidr.network(), claim);
                }
            }
        }
        return byNetwork;
    }

    private static Claim overlapping(TreeMap<IpAddress, Claim> byNetwork, Cidr cidr) {
        // disjoint blocks sorted by start: only the one at or below, and those inside, can overlap
        Map.Entry<IpAddress, Claim> below = byNetwork.floorEntry(cidr.network());
        if (below != null && podCidr(below.getValue()).overlaps(cidr)) {
            return below.getValue();
        }
        Map.Entry<IpAddress, Claim> above = byNetwork.higherEntry(cidr.network());
        return above != null && podCidr(above.getValue()).overlaps(cidr) ? above.getValue() : null;
    }

    private static void workloadsOutsideForeignPodCidrs(List<SourcedNode> nodes, TreeMap<IpAddress, Claim> podCidrs,
            List<Problem> problems) {
        if (podCidrs.isEmpty()) {
            return;
        }
        for (SourcedNode n : nodes) {
            List<IpAddress> ips = n.node().workloadIPs();
            for (int i = 0; i < ips.size(); i++) {
                Map.Entry<IpAddress, Claim> block = podCidrs.floorEntry(ips.get(i));
                if (block != null && block.getValue().owner() != n && podCidr(block.getValue()).contains(ips.get(i))) {
                    problems.add(n.file().error("workload IP " + ips.get(i) + " lies in pod CIDR "
                            + podCidr(block.getValue()) + " of node " + block.getValue().owner().node().name(),
                            "spec", "workloadIPs", i));
                }
            }
        }
    }

    private static void unique(Map<PublicKey, SourcedNode> byKey, PublicKey key, SourcedNode n, String field,
            List<Problem> problems) {
        SourcedNode first = byKey.putIfAbsent(key, n);
        if (first != null && first != n) {
            problems.add(n.file().error("public key " + key.fingerprint() + "… is also pinned on node "
                    + first.node().name() + ": two nodes cannot share a key", "spec", "wireguard", field));
        }
    }

    private static void uniquePins(List<SourcedNode> nodes, List<Problem> problems) {
        Map<PublicKey, SourcedNode> byKey = new HashMap<>();
        for (SourcedNode n : nodes) {
            n.node().wireguard().publicKey().ifPresent(key -> unique(byKey, key, n, "publicKey", problems));
            n.node().wireguard().nextPublicKey().ifPresent(key -> unique(byKey, key, n, "nextPublicKey", problems));
        }
    }

    /**
     * A peer is reached over an address family both ends have. A node that shares none cannot peer at
     * all (an error); a family only one node has is merely unused (a warning: dual-stack roll-outs).
     */
    private static void sharedFamilies(List<SourcedNode> nodes, List<Problem> problems) {
        List<SourcedNode> meshed = nodes.stream()
                .filter(n -> n.node().wireguard().enabled() && !n.node().addresses().isEmpty())
                .toList();
        if (meshed.size() < 2) {
            return;
        }
        Map<IpFamily, Integer> nodesWithFamily = new HashMap<>();
        meshed.forEach(n -> families(n.node()).forEach(f -> nodesWithFamily.merge(f, 1, Integer::sum)));
        for (SourcedNode n : meshed) {
            Set<IpFamily> own = families(n.node());
            boolean sharesAny = own.stream().anyMatch(f -> nodesWithFamily.get(f) > 1);
            List<IpAddress> addresses = n.node().addresses();
            for (int i = 0; i < addresses.size(); i++) {
                IpFamily family = addresses.get(i).family();
                if (nodesWithFamily.get(family) > 1 || !firstOfFamily(addresses, i)) {
                    continue;
                }
                String message = "no other node has an " + spelled(family) + " address";
                problems.add(sharesAny
                        ? n.file().warning(message + ", so it is not used", "spec", "addresses", i)
                        : n.file().error(message + ", so this node can reach no peer", "spec", "addresses", i));
            }
        }
    }

    private static boolean firstOfFamily(List<IpAddress> addresses, int index) {
        return addresses.subList(0, index).stream().noneMatch(a -> a.family() == addresses.get(index).family());
    }

    private static Set<IpFamily> families(MeshNode node) {
        Set<IpFamily> families = EnumSet.noneOf(IpFamily.class);
        node.addresses().forEach(a -> families.add(a.family()));
        return families;
    }

    private static String spelled(IpFamily family) {
        return family == IpFamily.IPV4 ? "IPv4" : "IPv6";
    }

    private static Cidr podCidr(Claim claim) {
        return claim.owner().node().podCIDRs().get(claim.index());
    }

    private static String describe(Claim claim) {
        String what = switch (claim.field()) {
            case "addresses" -> "an address";
            case "workloadIPs" -> "a workload IP";
            default -> "a pod CIDR";
        };
        return what + " of node " + claim.owner().node().name() + " (" + claim.owner().file().file() + ")";
    }
}
