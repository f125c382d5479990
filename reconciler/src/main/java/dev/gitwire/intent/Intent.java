package dev.gitwire.intent;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** A whole intent repo: the mesh and its node inventory, sorted by node name. */
public record Intent(MeshIntent mesh, List<MeshNode> nodes) {

    public Intent {
        nodes = nodes.stream().sorted(Comparator.comparing(MeshNode::name)).toList();
    }

    public Optional<MeshNode> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The port a node's WireGuard listens on: its own when the inventory sets one, else the mesh's. */
    public int listenPort(String name) {
        return node(name).map(n -> n.wireguard().listenPort()).filter(p -> p.isPresent()).map(p -> p.getAsInt())
                .orElse(mesh.wireguard().listenPort());
    }
}
