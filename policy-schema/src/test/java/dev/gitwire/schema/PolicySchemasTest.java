package dev.gitwire.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;

class PolicySchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private static JsonNode schemaDocument(String file) throws IOException {
        try (InputStream in = PolicySchemasTest.class.getClassLoader()
                .getResourceAsStream("schemas/v1alpha1/" + file)) {
            assertThat(in).as("schemas/v1alpha1/%s on the classpath", file).isNotNull();
            return JSON.readTree(in);
        }
    }

    private static Set<ValidationMessage> validate(String schemaFile, Path yaml) throws IOException {
        JsonSchema schema = FACTORY.getSchema(schemaDocument(schemaFile));
        Object document = new Load(LoadSettings.builder().setSchema(new CoreSchema()).build())
                .loadFromString(Files.readString(yaml));
        return schema.validate(JSON.valueToTree(document));
    }

    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("examples-repo"))) {
                return dir;
            }
        }
        throw new IllegalStateException("repository root not found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mesh-intent.schema.json", "mesh-node.schema.json", "mesh-node-status.schema.json"})
    void eachSchemaIsValidDraft202012(String file) throws IOException {
        JsonSchema meta = FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        assertThat(meta.validate(schemaDocument(file))).isEmpty();
        assertThat(schemaDocument(file).get("$schema").asText())
                .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mesh-intent.schema.json", "mesh-node.schema.json", "mesh-node-status.schema.json"})
    void everyObjectRefusesUnknownFields(String file) throws IOException {
        List<String> open = new ArrayList<>();
        walk(schemaDocument(file), "#", (path, node) -> {
            if ("object".equals(node.path("type").asText()) && node.has("properties")
                    && !node.path("additionalProperties").isBoolean()) {
                open.add(path);
            }
        });
        assertThat(open).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mesh-intent.schema.json", "mesh-node.schema.json"})
    void everySpecFieldIsDescribed(String file) throws IOException {
        List<String> undescribed = new ArrayList<>();
        JsonNode spec = schemaDocument(file).get("properties").get("spec").get("properties");
        spec.properties().forEach(field -> {
            if (!field.getValue().has("description") && !field.getValue().path("properties").isObject()) {
                undescribed.add(field.getKey());
            }
        });
        assertThat(undescribed).isEmpty();
    }

    @Test
    void theExamplesRepoValidates() throws IOException {
        Path examples = repoRoot().resolve("examples-repo");
        assertThat(validate("mesh-intent.schema.json", examples.resolve("mesh.yaml"))).isEmpty();
        try (Stream<Path> nodes = Files.list(examples.resolve("nodes"))) {
            List<Path> files = nodes.toList();
            assertThat(files).hasSize(3);
            for (Path node : files) {
                assertThat(validate("mesh-node.schema.json", node)).as(node.toString()).isEmpty();
            }
        }
    }

    @Test
    void aStatusFileValidatesAndAnUnknownPhaseDoesNot(@TempDir Path dir) throws IOException {
        Path status = Path.of("src/test/resources/status/node-b.yaml");
        assertThat(validate("mesh-node-status.schema.json", status)).isEmpty();
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(status).replace("phase: Ready", "phase: Happy"));
        assertThat(validate("mesh-node-status.schema.json", bad)).hasSize(1);
    }

    private interface Visitor {
        void visit(String path, JsonNode node);
    }

    private static void walk(JsonNode node, String path, Visitor visitor) {
        if (!node.isObject()) {
            return;
        }
        visitor.visit(path, node);
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (field.getValue().isObject()) {
                walk(field.getValue(), path + "/" + field.getKey(), visitor);
            } else if (field.getValue().isArray()) {
                for (int i = 0; i < field.getValue().size(); i++) {
                    walk(field.getValue().get(i), path + "/" + field.getKey() + "/" + i, visitor);
                }
            }
        }
    }
}
