package dev.gitwire.intent;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** A whole intent repo: the mesh and its node inventory, sorted by node name. */
public record Intent(MeshIntent mesh, List<MeshNode> nodes) {

    public Intent {
        nodes = nodes.stream().sorted(Comparator.comparing(MeshNode::name)).toList();
    }

    /** By binary search over the sorted inventory: a look-up per node of a 20,000-node cluster stays cheap. */
    public Optional<MeshNode> node(String name) {
        int low = 0;
        int high = nodes.size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            int order = nodes.get(middle).name().compareTo(name);
            if (order == 0) {
                return Optional.of(nodes.get(middle));
            }
            if (order < 0) {
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return Optional.empty();
    }

    /** The port a node's WireGuard listens on: its own when the inventory sets one, else the mesh's. */
    public int listenPort(String name) {
        return node(name).map(n -> n.wireguard().listenPort()).filter(p -> p.isPresent()).map(p -> p.getAsInt())
                .orElse(mesh.wireguard().listenPort());
    }
}
