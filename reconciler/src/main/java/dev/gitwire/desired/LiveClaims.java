package dev.gitwire.desired;

import dev.gitwire.intent.ClaimBounds;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the Kubernetes API says each node holds (pod IPs, pod CIDRs, addresses) is a claim that every other
 * node will route to it; a node's credentials can write its pods' status, so each claim is checked as the
 * inventory's are ({@link ClaimBounds}), and more: a pod IP must lie in its node's pod CIDRs when the node
 * has any, and an address (pod IP or node address) or pod CIDR claimed by two nodes is contested. A contest
 * goes to the node that held the destination before ({@link Precedent}); with none, to no one, and the
 * destination stays guarded: a claim can refuse a destination, never release it to plaintext. What fails is
 * left out and reported, never routed.
 */
final class LiveClaims {

    /** The live cluster with only the claims that may be routed, and the ones that may not. */
    record Checked(LiveCluster routable, List<RefusedClaim> refused) {}

    /** Why a claim is refused, and whether the destination stays guarded (a contest no one held before). */
    private record Refusal(String reason, boolean guarded) {}

    /** Bits of a node's index beside an IPv4 address in one long: 2^31 nodes, far more than a cluster has. */
    private static final int NODE_BITS = 31;
    private static final long NODE_MASK = (1L << NODE_BITS) - 1;

    private LiveClaims() {}

    static Checked check(Intent intent, LiveCluster live, Precedent precedent) {
        // a node that claims just what the inventory lists was checked when the intent was read (standalone)
        Set<String> listedAsIs = new HashSet<>();
        live.nodes().values().stream().filter(node -> asListed(intent, node)).forEach(node -> listedAsIs.add(node.name()));
        if (listedAsIs.size() == live.nodes().size()) {
            return new Checked(live, List.of());
        }
        ClaimBounds bounds = ClaimBounds.of(intent.mesh());
        // a node listed as is claims the inventory's IPs, which another node's claim meets in inventoryOwner
        List<LiveNode> claiming = live.nodes().values().stream().filter(n -> !listedAsIs.contains(n.name())).toList();
        int claims = claiming.stream().mapToInt(n -> n.workloadIPs().size() + n.addresses().size()).sum();
        Map<IpAddress, String> inventoryOwner = inventoryOwners(intent, claiming, claims);
        Contests contests = new Contests(intent, live, precedent, contested(claiming, claims),
                overlappingCidrs(live.nodes().values()));
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
                Optional<Refusal> why = unguarded(bounds.refusal(Cidr.host(ip)))
                        .or(() -> contests.of(node, ip, inventoryOwner))
                        .or(() -> unguarded(podCidrs.isEmpty() || podCidrs.stream().anyMatch(c -> c.contains(ip))
                                ? Optional.empty() : Optional.of("outside the node's pod CIDRs " + podCidrs)));
                why.ifPresentOrElse(w -> refused.add(refusal(node, Cidr.host(ip), w)), () -> workloads.add(ip));
            }
            List<Cidr> cidrs = new ArrayList<>(node.podCIDRs().size());
            for (Cidr cidr : node.podCIDRs()) {
                unguarded(bounds.refusal(cidr)).or(() -> contests.of(node, cidr))
                        .ifPresentOrElse(w -> refused.add(refusal(node, cidr, w)), () -> cidrs.add(cidr));
            }
            List<IpAddress> addresses = new ArrayList<>(node.addresses().size());
            for (IpAddress address : node.addresses()) {
                unguarded(bounds.addressRefusal(Cidr.host(address))).or(() -> contests.of(node, address, inventoryOwner))
                        .ifPresentOrElse(w -> refused.add(refusal(node, Cidr.host(address), w)), () -> addresses.add(address));
            }
            routable.put(node.name(), workloads.size() == node.workloadIPs().size() && cidrs.size() == node.podCIDRs().size()
                    && addresses.size() == node.addresses().size() ? node
                    : new LiveNode(node.name(), node.labels(), addresses, workloads, cidrs, node.advertisedKey(),
                            node.providerId()));
        }
        return new Checked(refused.isEmpty() ? live : new LiveCluster(routable), refused);
    }

    private static Optional<Refusal> unguarded(Optional<String> reason) {
        return reason.map(r -> new Refusal(r, false));
    }

    private static RefusedClaim refusal(LiveNode node, Cidr claim, Refusal why) {
        return new RefusedClaim(node.name(), claim, why.reason(), why.guarded());
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
            claiming.forEach(n -> {
                claimed.addAll(n.workloadIPs());
                claimed.addAll(n.addresses());
            });
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
     * The addresses (pod IPs and node addresses) that two nodes claim. IPv4 ones as one sorted array of longs,
     * address above the node's index, where a repeat sits next to itself: at 20,000 nodes a map of 2.2 million
     * addresses spent its time in cache misses and garbage collection. IPv6 ones, few, in a map.
     */
    private static Set<IpAddress> contested(List<LiveNode> claiming, int claims) {
        long[] ipv4 = new long[claims];
        int size = 0;
        Map<IpAddress, Integer> ipv6 = new HashMap<>();
        Set<IpAddress> contested = new HashSet<>();
        for (int node = 0; node < claiming.size(); node++) {
            for (List<IpAddress> ips : List.of(claiming.get(node).workloadIPs(), claiming.get(node).addresses())) {
                for (IpAddress ip : ips) {
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

    /** A pod CIDR a node claims. */
    private record CidrClaim(Cidr cidr, String node) {}

    /**
     * Each pod CIDR that overlaps one of another node's, with the nodes whose CIDRs overlap it. Sorted by network
     * then length, the prefixes inside one follow it: one pass, and a step per overlap.
     */
    private static Map<Cidr, Set<String>> overlappingCidrs(Collection<LiveNode> nodes) {
        List<CidrClaim> all = new ArrayList<>();
        nodes.forEach(n -> n.podCIDRs().forEach(c -> all.add(new CidrClaim(c, n.name()))));
        all.sort(Comparator.comparing(CidrClaim::cidr));
        Map<Cidr, Set<String>> overlapping = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            CidrClaim outer = all.get(i);
            for (int j = i + 1; j < all.size() && outer.cidr().overlaps(all.get(j).cidr()); j++) {
                CidrClaim inner = all.get(j);
                if (!inner.node().equals(outer.node())) {
                    overlapping.computeIfAbsent(outer.cidr(), c -> new TreeSet<>()).addAll(List.of(outer.node(), inner.node()));
                    overlapping.computeIfAbsent(inner.cidr(), c -> new TreeSet<>()).addAll(List.of(outer.node(), inner.node()));
                }
            }
        }
        return overlapping;
    }

    /** Whether the live node claims exactly what the inventory lists for it (standalone mode's nodes). */
    private static boolean asListed(Intent intent, LiveNode node) {
        return intent.node(node.name()).filter(listed -> listed.workloadIPs().equals(node.workloadIPs())
                && listed.podCIDRs().equals(node.podCIDRs()) && listed.addresses().equals(node.addresses())).isPresent();
    }

    /** The contested claims, and who keeps each: the one claimant that held it, by {@link Precedent}. */
    private record Contests(Intent intent, LiveCluster live, Precedent precedent, Set<IpAddress> addresses,
            Map<Cidr, Set<String>> cidrs) {

        /** Why {@code node} may not have the address {@code ip}: the inventory's, or contested and not held by it. */
        Optional<Refusal> of(LiveNode node, IpAddress ip, Map<IpAddress, String> inventoryOwner) {
            String owner = inventoryOwner.get(ip);
            if (owner != null && !owner.equals(node.name())) {
                return Optional.of(new Refusal("the inventory gives it to node " + owner, false));
            }
            if (!addresses.contains(ip)) {
                return Optional.empty();
            }
            List<String> claimants = live.nodes().values().stream()
                    .filter(n -> n.workloadIPs().contains(ip) || n.addresses().contains(ip)).map(LiveNode::name).sorted().toList();
            return settle(node, Cidr.host(ip), claimants);
        }

        /** Why {@code node} may not have the pod CIDR {@code cidr}: it overlaps another node's, and it did not hold it. */
        Optional<Refusal> of(LiveNode node, Cidr cidr) {
            Set<String> claimants = cidrs.get(cidr);
            return claimants == null ? Optional.empty() : settle(node, cidr, List.copyOf(claimants));
        }

        private Optional<Refusal> settle(LiveNode node, Cidr claim, List<String> claimants) {
            String contest = "claimed by nodes " + String.join(" and ", claimants);
            List<String> holders = claimants.stream().filter(n -> held(n, claim)).toList();
            if (holders.size() == 1) {
                return holders.get(0).equals(node.name()) ? Optional.empty()
                        : Optional.of(new Refusal(contest + "; node " + holders.get(0) + " held it and keeps it", false));
            }
            return Optional.of(new Refusal(contest + "; none held it before: guarded for all", true));
        }

        /**
         * Whether the peer of node {@code name}'s key held {@code claim}, and the node's own address with it: a node
         * that publishes another's key (a contest of its own) does not inherit what that key held.
         */
        private boolean held(String name, Cidr claim) {
            Optional<PublicKey> key = key(name);
            return precedent.held(key, claim) && live.node(name).map(LiveNode::addresses).orElse(List.of()).stream()
                    .anyMatch(address -> precedent.held(key, Cidr.host(address)));
        }

        /** The key a node is peered with: its pin (the next one, once it publishes that), else what it publishes. */
        private Optional<PublicKey> key(String name) {
            Optional<PublicKey> advertised = live.node(name).flatMap(LiveNode::advertisedKey);
            return intent.node(name).flatMap(n -> n.wireguard().pinFor(advertised)).or(() -> advertised);
        }
    }
}
