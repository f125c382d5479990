package dev.gitwire.desired;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Standalone mode (no Kubernetes): the inventory is the cluster, its static workload IPs the workloads, and the
 * keys nodes published on the status branch their advertised keys (pins still win).
 */
public final class InventoryCluster {

    private InventoryCluster() {}

    /** With only pinned keys known. */
    public static LiveCluster of(Intent intent) {
        return of(intent, Map.of());
    }

    public static LiveCluster of(Intent intent, Map<String, PublicKey> published) {
        return new LiveCluster(intent.nodes().stream().collect(Collectors.toMap(MeshNode::name,
                n -> new LiveNode(n.name(), n.labels(), n.addresses(), n.workloadIPs(), n.podCIDRs(),
                        Optional.ofNullable(published.get(n.name())), Optional.empty()),
                (a, b) -> a, TreeMap::new)));
    }
}
