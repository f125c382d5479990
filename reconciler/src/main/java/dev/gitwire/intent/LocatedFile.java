package dev.gitwire.intent;

import dev.gitwire.intent.yaml.SourcePosition;
import dev.gitwire.intent.yaml.YamlNode;
import dev.gitwire.intent.yaml.YamlNode.YamlMapping;
import dev.gitwire.intent.yaml.YamlNode.YamlScalar;
import dev.gitwire.intent.yaml.YamlNode.YamlSequence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed, schema-valid file: typed reads by path, and problems placed at the node a path names.
 * Reads trust the schema for types and fall back to the given defaults for absent fields.
 */
public record LocatedFile(String file, YamlNode root) {

    public Optional<YamlNode> at(Object... path) {
        return root.at(steps(path));
    }

    public Problem error(String message, Object... path) {
        return Problem.error(file, position(path), SchemaCheck.display(steps(path)) + ": " + message);
    }

    public Problem warning(String message, Object... path) {
        return Problem.warning(file, position(path), SchemaCheck.display(steps(path)) + ": " + message);
    }

    public Optional<Object> scalar(Object... path) {
        return at(path).map(n -> ((YamlScalar) n).value());
    }

    public String string(String fallback, Object... path) {
        return scalar(path).map(String.class::cast).orElse(fallback);
    }

    public boolean bool(boolean fallback, Object... path) {
        return scalar(path).map(Boolean.class::cast).orElse(fallback);
    }

    public List<String> strings(List<String> fallback, Object... path) {
        return at(path).map(n -> ((YamlSequence) n).items().stream()
                        .map(item -> (String) ((YamlScalar) item).value())
                        .toList())
                .orElse(fallback);
    }

    public Map<String, String> stringMap(Object... path) {
        Map<String, String> map = new LinkedHashMap<>();
        at(path).ifPresent(n -> ((YamlMapping) n).entries()
                .forEach(e -> map.put(e.key(), (String) ((YamlScalar) e.value()).value())));
        return map;
    }

    public int size(Object... path) {
        return at(path).map(n -> ((YamlSequence) n).items().size()).orElse(0);
    }

    /** Where the path points, or its nearest ancestor that exists, for a field that is absent. */
    private SourcePosition position(Object... path) {
        List<String> steps = steps(path);
        for (int length = steps.size(); length >= 0; length--) {
            Optional<YamlNode> node = root.at(steps.subList(0, length));
            if (node.isPresent()) {
                return node.get().position();
            }
        }
        return root.position();
    }

    private static List<String> steps(Object... path) {
        List<String> steps = new ArrayList<>(path.length);
        for (Object step : path) {
            steps.add(String.valueOf(step));
        }
        return steps;
    }
}
