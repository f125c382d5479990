package dev.gitwire.desired;

import dev.gitwire.intent.ClaimBounds;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the Kubernetes API says each node holds (pod IPs, pod CIDRs, addresses) is a claim that every other
 * node will route to it; a node's credentials can write its pods' status, so each claim is checked as the
 * inventory's are ({@link ClaimBounds}), and more: a pod IP must lie in its node's pod CIDRs when the node
 * has any, and an IP claimed by pods of two nodes, or owned by another node in the inventory, goes to
 * neither. What fails is left out and reported, never routed.
 */
final class LiveClaims {

    /** The live cluster with only the claims that may be routed, and the ones that may not. */
    record Checked(LiveCluster routable, List<RefusedClaim> refused) {}

    /** Bits of a node's index beside an IPv4 address in one long: 2^31 nodes, far more than a cluster has. */
    private static final int NODE_BITS = 31;
    private static final long NODE_MASK = (1L << NODE_BITS) - 1;

    private LiveClaims() {}

    static Checked check(Intent intent, LiveCluster live) {
        // a node that claims just what the inventory lists was checked when the intent was read (standalone)
        Set<String> listedAsIs = new HashSet<>();
        live.nodes().values().stream().filter(node -> asListed(intent, node)).forEach(node -> listedAsIs.add(node.name()));
        if (listedAsIs.size() == live.nodes().size()) {
            return new Checked(live, List.of());
        }
        ClaimBounds bounds = ClaimBounds.of(intent.mesh());
        // a node listed as is claims the inventory's IPs, which another node's claim meets in inventoryOwner
        List<LiveNode> claiming = live.nodes().values().stream().filter(n -> !listedAsIs.contains(n.name())).toList();
        int claims = claiming.stream().mapToInt(n -> n.workloadIPs().size()).sum();
        Map<IpAddress, String> inventoryOwner = inventoryOwners(intent, claiming, claims);
        Set<IpAddress> contested = contested(claiming, claims);
        List<RefusedClaim> refused = new ArrayList<>();
        Map<String, LiveNode> routable = new TreeMap<>();
        for (LiveNode node : live.nodes().values()) {
            if (listedAsIs.contains(node.name())) {
                routable.put(node.name(), node);
                continue;
            }
            Optional<MeshNode> listed = intent.node(node.name());
            List<Cidr> podCidrs = listed.map(MeshNode::podCIDRs).filter(c -> !c.isEmpty()).orElse(node.podCIDRs());
            List<IpAddress> workloads = new ArrayList<>(node.workloadIPs().size());
            for (IpAddress ip : node.workloadIPs()) {
                if (node.name().equals(inventoryOwner.get(ip))) {
                    workloads.add(ip); // the inventory's own claim, checked when the intent was read
                    continue;
                }
                Optional<String> why = bounds.refusal(Cidr.host(ip))
                        .or(() -> ownedElsewhere(ip, node.name(), inventoryOwner, contested, live))
                        .or(() -> podCidrs.isEmpty() || podCidrs.stream().anyMatch(c -> c.contains(ip)) ? Optional.empty()
                                : Optional.of("outside the node's pod CIDRs " + podCidrs));
                why.ifPresentOrElse(w -> refused.add(new RefusedClaim(node.name(), Cidr.host(ip), w)), () -> workloads.add(ip));
            }
            List<Cidr> cidrs = keep(node, node.podCIDRs(), bounds::refusal, refused);
            List<IpAddress> addresses = keep(node, node.addresses().stream().map(Cidr::host).toList(),
                    bounds::addressRefusal, refused).stream().map(Cidr::network).toList();
            routable.put(node.name(), workloads.size() == node.workloadIPs().size() && cidrs.size() == node.podCIDRs().size()
                    && addresses.size() == node.addresses().size() ? node
                    : new LiveNode(node.name(), node.labels(), addresses, workloads, cidrs, node.advertisedKey(),
                            node.providerId()));
        }
        return new Checked(refused.isEmpty() ? live : new LiveCluster(routable), refused);
    }

    /**
     * Which node the inventory gives each address the claiming nodes claim. Where the inventory lists far more
     * addresses than are claimed (one node's pods changed, the inventory lists everyone's), only the claimed
     * ones are looked up: no map of 555,000 entries for 111 claims.
     */
    private static Map<IpAddress, String> inventoryOwners(Intent intent, List<LiveNode> claiming, int claims) {
        int listed = intent.nodes().stream().mapToInt(n -> n.addresses().size() + n.workloadIPs().size()).sum();
        Set<IpAddress> claimed = new HashSet<>();
        if (claims < listed) {
            claiming.forEach(n -> claimed.addAll(n.workloadIPs()));
        }
        Map<IpAddress, String> owners = new HashMap<>();
        for (MeshNode n : intent.nodes()) {
            for (List<IpAddress> ips : List.of(n.addresses(), n.workloadIPs())) {
                for (IpAddress ip : ips) {
                    if (claims >= listed || claimed.contains(ip)) {
                        owners.put(ip, n.name());
                    }
                }
            }
        }
        return owners;
    }

    /**
     * The addresses that pods of two nodes claim. IPv4 ones as one sorted array of longs, address above the
     * node's index, where a repeat sits next to itself: at 20,000 nodes a map of 2.2 million addresses spent
     * its time in cache misses and garbage collection. IPv6 ones, few, in a map.
     */
    private static Set<IpAddress> contested(List<LiveNode> claiming, int claims) {
        long[] ipv4 = new long[claims];
        int size = 0;
        Map<IpAddress, Integer> ipv6 = new HashMap<>();
        Set<IpAddress> contested = new HashSet<>();
        for (int node = 0; node < claiming.size(); node++) {
            for (IpAddress ip : claiming.get(node).workloadIPs()) {
                if (ip.family() == IpFamily.IPV4) {
                    ipv4[size++] = ip.lo() << NODE_BITS | node;
                } else {
                    Integer first = ipv6.putIfAbsent(ip, node);
                    if (first != null && first != node) {
                        contested.add(ip);
                    }
                }
            }
        }
        Arrays.sort(ipv4, 0, size);
        for (int i = 1; i < size; i++) {
            boolean sameAddress = ipv4[i] >>> NODE_BITS == ipv4[i - 1] >>> NODE_BITS;
            if (sameAddress && (ipv4[i] & NODE_MASK) != (ipv4[i - 1] & NODE_MASK)) {
                contested.add(new IpAddress(IpFamily.IPV4, 0, ipv4[i] >>> NODE_BITS));
            }
        }
        return contested;
    }

    /** Whether the live node claims exactly what the inventory lists for it (standalone mode's nodes). */
    private static boolean asListed(Intent intent, LiveNode node) {
        return intent.node(node.name()).filter(listed -> listed.workloadIPs().equals(node.workloadIPs())
                && listed.podCIDRs().equals(node.podCIDRs()) && listed.addresses().equals(node.addresses())).isPresent();
    }

    private static Optional<String> ownedElsewhere(IpAddress ip, String node, Map<IpAddress, String> inventoryOwner,
            Set<IpAddress> contested, LiveCluster live) {
        String owner = inventoryOwner.get(ip);
        if (owner != null && !owner.equals(node)) {
            return Optional.of("the inventory gives it to node " + owner);
        }
        if (contested.contains(ip)) {
            List<String> claimants = live.nodes().values().stream().filter(n -> n.workloadIPs().contains(ip))
                    .map(LiveNode::name).sorted().toList();
            return Optional.of("claimed by pods of nodes " + String.join(" and ", claimants));
        }
        return Optional.empty();
    }

    private static List<Cidr> keep(LiveNode node, List<Cidr> claims,
            java.util.function.Function<Cidr, Optional<String>> refusal, List<RefusedClaim> refused) {
        List<Cidr> kept = new ArrayList<>(claims.size());
        for (Cidr claim : claims) {
            refusal.apply(claim).ifPresentOrElse(w -> refused.add(new RefusedClaim(node.name(), claim, w)),
                    () -> kept.add(claim));
        }
        return kept;
    }
}
