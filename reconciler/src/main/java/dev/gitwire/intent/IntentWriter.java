package dev.gitwire.intent;

import dev.gitwire.intent.NodeSelector.Requirement;
import dev.gitwire.intent.yaml.YamlEmitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an {@link Intent} as the files of an intent repo, every field explicit. Text that YAML 1.2
 * would read as another type ("0755", "true", "1.10") is quoted, so reading the files back gives the
 * same intent.
 */
public final class IntentWriter {

    /** The files of the repo, by path relative to its root. */
    public Map<String, String> render(Intent intent) {
        Map<String, String> files = new TreeMap<>();
        files.put(IntentReader.MESH_FILE, YamlEmitter.write(mesh(intent.mesh())));
        for (MeshNode node : intent.nodes()) {
            files.put("nodes/" + node.name() + ".yaml", YamlEmitter.write(node(node)));
        }
        return files;
    }

    public void writeTo(Intent intent, Path root) throws IOException {
        for (Map.Entry<String, String> file : render(intent).entrySet()) {
            Path path = root.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
        }
    }

    private static Map<String, Object> mesh(MeshIntent mesh) {
        WireguardSettings wg = mesh.wireguard();
        Map<String, Object> wireguard = new LinkedHashMap<>();
        wireguard.put("interfaceName", wg.interfaceName());
        wireguard.put("listenPort", wg.listenPort());
        wireguard.put("firewallMark", String.format("0x%x", wg.firewallMark()));
        wireguard.put("mtu", wg.mtu() instanceof Mtu.Fixed fixed ? (Object) fixed.bytes() : "auto");
        wireguard.put("persistentKeepalive", wg.persistentKeepalive().getSeconds() + "s");
        wg.keyRotation().ifPresent(interval -> wireguard.put("keyRotation", interval.toHours() + "h"));
        wireguard.put("postQuantum", wg.postQuantum());

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("enabled", mesh.enabled());
        spec.put("mode", mesh.mode().spelling());
        spec.put("routeSource", mesh.routeSource().spelling());
        spec.put("hostEncryption", mesh.hostEncryption());
        spec.put("membership", mesh.membership().spelling());
        spec.put("nodeSelector", selector(mesh.nodeSelector()));
        spec.put("bypass", texts(mesh.bypass()));
        if (!mesh.workloadNetworks().isEmpty()) {
            spec.put("workloadNetworks", texts(mesh.workloadNetworks()));
        }
        spec.put("workloadInterfaces", mesh.workloadInterfaces());
        spec.put("wireguard", wireguard);
        spec.put("routing", Map.of("table", mesh.routing().table(), "rulePriority", mesh.routing().rulePriority()));
        return document(FileKind.MESH_INTENT, Map.of("name", mesh.name()), spec);
    }

    private static Map<String, Object> node(MeshNode node) {
        Map<String, Object> wireguard = new LinkedHashMap<>();
        wireguard.put("enabled", node.wireguard().enabled());
        node.wireguard().publicKey().ifPresent(key -> wireguard.put("publicKey", key.base64()));
        node.wireguard().nextPublicKey().ifPresent(key -> wireguard.put("nextPublicKey", key.base64()));
        node.wireguard().listenPort().ifPresent(port -> wireguard.put("listenPort", port));
        node.wireguard().postQuantumPublicKey().ifPresent(key -> wireguard.put("postQuantumPublicKey", key.base64()));

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("addresses", texts(node.addresses()));
        spec.put("wireguard", wireguard);
        spec.put("podCIDRs", texts(node.podCIDRs()));
        spec.put("workloadIPs", texts(node.workloadIPs()));
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", node.name());
        metadata.put("labels", new TreeMap<>(node.labels()));
        return document(FileKind.MESH_NODE, metadata, spec);
    }

    private static Map<String, Object> selector(NodeSelector selector) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("matchLabels", new TreeMap<>(selector.matchLabels()));
        out.put("matchExpressions", selector.matchExpressions().stream().map(IntentWriter::requirement).toList());
        return out;
    }

    private static Map<String, Object> requirement(Requirement requirement) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", requirement.key());
        out.put("operator", requirement.operator().spelling());
        out.put("values", requirement.values());
        return out;
    }

    private static Map<String, Object> document(FileKind kind, Map<String, Object> metadata, Map<String, Object> spec) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("apiVersion", FileKind.API_VERSION);
        document.put("kind", kind.kind());
        document.put("metadata", metadata);
        document.put("spec", spec);
        return document;
    }

    private static List<String> texts(List<?> values) {
        return values.stream().map(Object::toString).toList();
    }
}
