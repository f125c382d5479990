package dev.gitwire.model;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/** The live view of the cluster, by node name. */
public record LiveCluster(Map<String, LiveNode> nodes) {

    public LiveCluster {
        nodes = Map.copyOf(nodes);
    }

    public Optional<LiveNode> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    /** The same cluster with {@code change} applied to one node, for tests and benchmarks of single events. */
    public LiveCluster with(String name, Function<LiveNode, LiveNode> change) {
        Map<String, LiveNode> changed = new TreeMap<>(nodes);
        changed.computeIfPresent(name, (k, node) -> change.apply(node));
        return new LiveCluster(changed);
    }
}
