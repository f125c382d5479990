package dev.gitwire.model;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.keys.PublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The live view of the cluster, by node name. */
public record LiveCluster(Map<String, LiveNode> nodes) {

    public LiveCluster {
        nodes = Map.copyOf(nodes);
    }

    public Optional<LiveNode> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    /** Standalone mode with only pinned keys known. */
    public static LiveCluster fromInventory(Intent intent) {
        return fromInventory(intent, Map.of());
    }

    /**
     * Standalone mode (no Kubernetes): the inventory is the cluster, its static workload IPs the workloads,
     * and the keys nodes published on the status branch their advertised keys (pins still win).
     */
    public static LiveCluster fromInventory(Intent intent, Map<String, PublicKey> published) {
        return new LiveCluster(intent.nodes().stream().collect(Collectors.toMap(MeshNode::name,
                n -> new LiveNode(n.name(), n.labels(), n.addresses(), n.workloadIPs(), n.podCIDRs(),
                        Optional.ofNullable(published.get(n.name())), Optional.empty()),
                (a, b) -> a, TreeMap::new)));
    }

    /** The same cluster with {@code change} applied to one node, for tests and benchmarks of single events. */
    public LiveCluster with(String name, Function<LiveNode, LiveNode> change) {
        Map<String, LiveNode> changed = new TreeMap<>(nodes);
        changed.computeIfPresent(name, (k, node) -> change.apply(node));
        return new LiveCluster(changed);
    }
}
