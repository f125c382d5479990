package dev.gitwire.bench;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.InventoryCluster;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.Underlay;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Guard;
import dev.gitwire.model.Link;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Plan;
import dev.gitwire.plan.Planner;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The pure core at cluster scale: desired state plus diff for N nodes x P pods against a kernel that
 * already matches (time, heap peak), then one pod added on a remote node (time, and the operations,
 * which must be exactly one allowed IP, one route and one guarded destination). With two sizes
 * (`5000,20000`), both run in the same JVM and the last line is the ratio of their times: linear is the
 * ratio of the sizes, and anything quadratic shows at once. Not a test: run with `make bench`.
 */
public final class EngineBenchmark {

    public static void main(String[] given) {
        BenchArgs args = new BenchArgs(given);
        String[] sizes = args.text(0, "5000").split(",");
        int pods = args.integer(1, 110);
        long[] medians = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            medians[i] = measure(Integer.parseInt(sizes[i]), pods, false);
        }
        // issue 29: the same cluster in dual stack (an IPv6 twin of every pod), in the same run
        int largest = Integer.parseInt(sizes[sizes.length - 1]);
        long dual = measure(largest, pods, true);
        System.out.printf("engine dual stack: %d nodes x %d IPv4 + %d IPv6 pods: desired + diff %d ms against %d ms"
                + " IPv4 only, x%.2f%n", largest, pods, pods, dual, medians[sizes.length - 1],
                (double) dual / Math.max(1, medians[sizes.length - 1]));
        if (sizes.length == 2) {
            System.out.printf("engine scaling: %s -> %s nodes (x%.1f): desired + diff %d -> %d ms, x%.2f%n", sizes[0],
                    sizes[1], Double.parseDouble(sizes[1]) / Double.parseDouble(sizes[0]), medians[0], medians[1],
                    (double) medians[1] / Math.max(1, medians[0]));
        }
    }

    /** Prints the figures for one size; returns the median time of a whole desired state plus diff. */
    private static long measure(int nodes, int pods, boolean dualStack) {
        SecureRandom random = new SecureRandom();
        Intent inventory = ValidateBenchmark.inventory(nodes, pods, dualStack);
        List<MeshNode> pinned = inventory.nodes().stream().map(n -> new MeshNode(n.name(), n.labels(), n.addresses(),
                new MeshNode.NodeWireguard(true, Optional.of(PrivateKey.generate(random).publicKey()),
                        Optional.empty(), n.wireguard().listenPort(), Optional.empty()), n.podCIDRs(), n.workloadIPs())).toList();
        Intent intent = new Intent(inventory.mesh(), pinned);
        LiveCluster live = InventoryCluster.of(intent);
        NodeIdentity self = new NodeIdentity(pinned.get(0).name(), PrivateKey.generate(random));
        Underlay underlay = new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4);

        DesiredDataplane first = DesiredState.compute(intent, live, self, underlay, List.of());
        ObservedDataplane kernel = converged(first);
        Timed converged = timed(() -> Planner.diff(kernel, DesiredState.compute(intent, live, self, underlay, List.of())),
                plan -> require(plan.isEmpty(), "a converged kernel needs no change, got " + plan.size()));

        // as with Kubernetes: the inventory lists no pod, the API does, so every claim is checked (LiveClaims)
        Intent podless = new Intent(intent.mesh(), pinned.stream().map(n -> new MeshNode(n.name(), n.labels(),
                n.addresses(), n.wireguard(), n.podCIDRs(), List.of())).toList());
        Timed fromApi = timed(() -> Planner.diff(kernel, DesiredState.compute(podless, live, self, underlay, List.of())),
                plan -> require(plan.isEmpty(), "pods from the API, the same as listed, need no change, got " + plan.size()));

        String remote = pinned.get(nodes / 2).name();
        IpAddress newPod = IpAddress.parse("10.127.255.254");
        LiveCluster withPod = live.with(remote, n -> new LiveNode(n.name(), n.labels(), n.addresses(),
                append(n.workloadIPs(), newPod), n.podCIDRs(), n.advertisedKey(), n.providerId()));
        Timed podAdded = timed(() -> Planner.diff(kernel, DesiredState.compute(intent, withPod, self, underlay, List.of())),
                plan -> { });
        Plan onePod = podAdded.last();
        require(onePod.counts().equals(Map.of("AddAllowedIp", 1, "AddRoute", 1, "GuardDestination", 1)),
                "one pod must cost one allowed IP, one route and one guarded destination, got " + onePod.counts());
        System.out.printf("engine%s %d nodes x %d pods (%d allowed IPs): desired + diff median %d ms, heap peak %d MB"
                        + " (max heap %d MB); pods from the API, every claim checked: median %d ms;"
                        + " one pod added on %s: median %d ms, %d kernel operations %s%n",
                dualStack ? " dual stack" : "", nodes, pods, (long) nodes * (dualStack ? 2 * pods + 2 : pods + 1),
                converged.medianMs(), converged.heapPeakMb(),
                Runtime.getRuntime().maxMemory() / (1024 * 1024), fromApi.medianMs(), remote,
                podAdded.medianMs(), onePod.size(), onePod.counts());
        return converged.medianMs();
    }

    /** The median of 5 timed runs, the heap's peak over them, and the last run's plan. */
    private record Timed(long medianMs, long heapPeakMb, Plan last) {}

    /** Runs {@code diff} 3 times to warm it up, then 5 times timed; every plan goes through {@code check}. */
    private static Timed timed(Supplier<Plan> diff, Consumer<Plan> check) {
        long[] ms = new long[5];
        long peak = 0;
        Plan plan = null;
        for (int i = -3; i < ms.length; i++) {
            HeapPeak.reset();
            long t0 = System.nanoTime();
            plan = diff.get();
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1_000_000;
                peak = Math.max(peak, HeapPeak.megabytes());
            }
            check.accept(plan);
        }
        return new Timed(RouteBenchmark.median(ms), peak, plan);
    }

    /** The observation of a kernel that already has exactly {@code desired}. */
    private static ObservedDataplane converged(DesiredDataplane desired) {
        DesiredDataplane.WireguardSpec wg = desired.wireguard().orElseThrow();
        // fresh collections, as a kernel read yields: no comparison may shortcut on one shared instance
        List<PeerState> peers = wg.peers().stream().map(p -> new PeerState(new PeerConfig(p.publicKey(), p.endpoint(),
                p.persistentKeepalive(), new TreeSet<>(p.allowedIps())), Optional.empty(), 0, 0)).toList();
        Set<String> remembered = new HashSet<>(desired.sysctls().keySet());
        return new ObservedDataplane(
                Optional.of(new Link(9, desired.owned().interfaceName(), Optional.of("wireguard"), wg.mtu().mtu(), true)),
                Optional.of(new DeviceState(Optional.of(wg.privateKey().publicKey()), wg.listenPort(), wg.firewallMark(),
                        peers)),
                true, new TreeSet<>(desired.routes()), desired.rules(), desired.guard().map(g -> new Guard(g.firewallMark(),
                        g.interfaceName(), g.hostCapacity(), new TreeSet<>(g.destinations()))), desired.nftTables(), desired.sysctls(), remembered);
    }

    private static List<IpAddress> append(List<IpAddress> list, IpAddress extra) {
        List<IpAddress> longer = new ArrayList<>(list);
        longer.add(extra);
        return longer;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
