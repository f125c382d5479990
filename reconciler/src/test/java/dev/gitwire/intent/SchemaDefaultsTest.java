package dev.gitwire.intent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.source.DirectoryTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schema documents the defaults; the binder applies them. They must be the same values. */
class SchemaDefaultsTest {

    private static JsonNode schema(FileKind kind) throws IOException {
        try (InputStream in = SchemaDefaultsTest.class.getClassLoader().getResourceAsStream(kind.schemaResource())) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static String defaultOf(JsonNode schema, String... path) {
        JsonNode node = schema;
        for (String step : path) {
            node = node.get("properties").get(step);
        }
        return node.get("default").toString();
    }

    @Test
    void aMinimalMeshGetsTheDefaultsTheSchemaDocuments(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("mesh.yaml"),
                "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\nmetadata:\n  name: m\n");
        MeshIntent mesh = new IntentReader().read(new DirectoryTree(dir)).intent().orElseThrow().mesh();
        JsonNode s = schema(FileKind.MESH_INTENT);

        assertThat(defaultOf(s, "spec", "enabled")).isEqualTo(String.valueOf(mesh.enabled()));
        assertThat(defaultOf(s, "spec", "mode")).isEqualTo(quoted(mesh.mode().spelling()));
        assertThat(defaultOf(s, "spec", "routeSource")).isEqualTo(quoted(mesh.routeSource().spelling()));
        assertThat(defaultOf(s, "spec", "hostEncryption")).isEqualTo(String.valueOf(mesh.hostEncryption()));
        assertThat(defaultOf(s, "spec", "membership")).isEqualTo(quoted(mesh.membership().spelling()));
        assertThat(mesh.nodeSelector()).isEqualTo(NodeSelector.ALL);
        assertThat(defaultOf(s, "spec", "bypass")).isEqualTo("[]");
        assertThat(mesh.bypass()).isEmpty();
        assertThat(defaultOf(s, "spec", "workloadInterfaces")).isEqualTo("[\"azv\",\"cali\"]");
        assertThat(mesh.workloadInterfaces()).isEqualTo(List.of("azv", "cali"));
        WireguardSettings wg = mesh.wireguard();
        assertThat(defaultOf(s, "spec", "wireguard", "interfaceName")).isEqualTo(quoted(wg.interfaceName()));
        assertThat(defaultOf(s, "spec", "wireguard", "listenPort")).isEqualTo(String.valueOf(wg.listenPort()));
        assertThat(defaultOf(s, "spec", "wireguard", "firewallMark"))
                .isEqualTo(quoted(String.format("0x%x", wg.firewallMark())));
        assertThat(defaultOf(s, "spec", "wireguard", "mtu")).isEqualTo(quoted(wg.mtu().toString()));
        assertThat(defaultOf(s, "spec", "wireguard", "persistentKeepalive"))
                .isEqualTo(quoted(wg.persistentKeepalive().getSeconds() + "s"));
        assertThat(defaultOf(s, "spec", "routing", "table")).isEqualTo(String.valueOf(mesh.routing().table()));
        assertThat(defaultOf(s, "spec", "routing", "rulePriority"))
                .isEqualTo(String.valueOf(mesh.routing().rulePriority()));
    }

    @Test
    void aMinimalNodeGetsTheDefaultsTheSchemaDocuments(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("mesh.yaml"),
                "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\nmetadata:\n  name: m\n");
        Files.createDirectories(dir.resolve("nodes"));
        Files.writeString(dir.resolve("nodes/n1.yaml"),
                "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\nmetadata:\n  name: n1\n");
        MeshNode node = new IntentReader().read(new DirectoryTree(dir)).intent().orElseThrow().nodes().get(0);
        JsonNode s = schema(FileKind.MESH_NODE);

        assertThat(defaultOf(s, "spec", "wireguard", "enabled")).isEqualTo(String.valueOf(node.wireguard().enabled()));
        assertThat(node.wireguard()).isEqualTo(MeshNode.NodeWireguard.DEFAULT);
        assertThat(node.addresses()).isEmpty();
        assertThat(node.podCIDRs()).isEmpty();
        assertThat(node.workloadIPs()).isEmpty();
    }

    private static String quoted(String text) {
        return "\"" + text + "\"";
    }
}
