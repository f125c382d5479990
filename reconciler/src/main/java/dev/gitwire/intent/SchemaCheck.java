package dev.gitwire.intent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.regex.RegularExpression;
import dev.gitwire.intent.yaml.SourcePosition;
import dev.gitwire.intent.yaml.YamlNode;
import dev.gitwire.intent.yaml.YamlNode.YamlMapping;
import dev.gitwire.intent.yaml.YamlNode.YamlScalar;
import dev.gitwire.intent.yaml.YamlNode.YamlSequence;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates a parsed file against the JSON Schema of its kind and places every error on a line. */
public final class SchemaCheck {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern YAML11_BOOLEAN = Pattern.compile("(?i)y|n|yes|no|on|off");

    private final Map<FileKind, JsonSchema> schemas = new EnumMap<>(FileKind.class);

    public SchemaCheck() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER)
                .regularExpressionFactory(SchemaCheck::ecmaPattern).build();
        for (FileKind kind : FileKind.values()) {
            try (InputStream in = SchemaCheck.class.getClassLoader().getResourceAsStream(kind.schemaResource())) {
                if (in == null) {
                    throw new IllegalStateException("schema " + kind.schemaResource() + " is not on the classpath");
                }
                schemas.put(kind, factory.getSchema(in, config));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A schema's pattern as JSON Schema means it (ECMA-262): {@code $} ends the text. Java's {@code $} also matches
     * before a final line break, which let {@code "b\n"} pass a name pattern; it becomes {@code \z}.
     */
    static RegularExpression ecmaPattern(String regex) {
        StringBuilder java = new StringBuilder(regex.length() + 4);
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                java.append(c).append(regex.charAt(++i));
                continue;
            }
            if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '$') {
                java.append("\\z");
                continue;
            }
            java.append(c);
        }
        Pattern pattern = Pattern.compile(java.toString());
        return value -> pattern.matcher(value).find();
    }

    public List<Problem> check(String file, FileKind kind, YamlNode root) {
        Set<ValidationMessage> messages = schemas.get(kind).validate(toJson(root));
        List<Problem> problems = new ArrayList<>(messages.size());
        for (ValidationMessage message : messages) {
            problems.add(toProblem(file, root, message));
        }
        return problems;
    }

    /** The JSON view of a YAML tree that the schema validator reads. */
    static JsonNode toJson(YamlNode node) {
        if (node instanceof YamlMapping mapping) {
            ObjectNode object = JSON.objectNode();
            mapping.entries().forEach(e -> object.set(e.key(), toJson(e.value())));
            return object;
        }
        if (node instanceof YamlSequence sequence) {
            ArrayNode array = JSON.arrayNode(sequence.items().size());
            sequence.items().forEach(item -> array.add(toJson(item)));
            return array;
        }
        Object value = ((YamlScalar) node).value();
        if (value == null) {
            return JSON.nullNode();
        }
        if (value instanceof Boolean b) {
            return JSON.booleanNode(b);
        }
        if (value instanceof Long l) {
            return JSON.numberNode(l);
        }
        if (value instanceof Double d) {
            return JSON.numberNode(d);
        }
        return JSON.textNode((String) value);
    }

    private static Problem toProblem(String file, YamlNode root, ValidationMessage message) {
        List<String> path = steps(message.getInstanceLocation());
        SourcePosition position = root.at(path).map(YamlNode::position).orElse(root.position());
        String text = message.getError();
        switch (message.getType()) {
            case "additionalProperties" -> {
                List<String> parent = path;
                path = new ArrayList<>(parent);
                path.add(message.getProperty());
                position = root.at(parent)
                        .filter(YamlMapping.class::isInstance)
                        .flatMap(m -> ((YamlMapping) m).entry(message.getProperty()))
                        .map(YamlMapping.Entry::keyPosition)
                        .orElse(position);
                text = "unknown field";
            }
            case "required" -> {
                path = new ArrayList<>(path);
                path.add(message.getProperty());
                text = "required field is missing";
            }
            case "type" -> {
                JsonNode instance = message.getInstanceNode();
                if (instance != null && instance.isTextual() && YAML11_BOOLEAN.matcher(instance.asText()).matches()) {
                    text += " (YAML 1.1 read '" + instance.asText() + "' as a boolean; gitwire reads YAML 1.2:"
                            + " write true or false)";
                }
            }
            default -> { }
        }
        return Problem.error(file, position, display(path) + ": " + text);
    }

    private static List<String> steps(JsonNodePath location) {
        List<String> steps = new ArrayList<>(location.getNameCount());
        for (int i = 0; i < location.getNameCount(); i++) {
            steps.add(String.valueOf(location.getElement(i)));
        }
        return steps;
    }

    /** A path as a reader writes it: spec.addresses[2]. */
    static String display(List<String> path) {
        StringBuilder out = new StringBuilder();
        for (String step : path) {
            if (step.chars().allMatch(Character::isDigit) && !step.isEmpty()) {
                out.append('[').append(step).append(']');
            } else {
                out.append(out.length() == 0 ? "" : ".").append(step);
            }
        }
        return out.length() == 0 ? "(document)" : out.toString();
    }
}
