package dev.gitwire.intent.yaml;

import java.util.List;
import java.util.Optional;

/** A YAML node with the position it came from, so that every later error can name a line. */
public sealed interface YamlNode {

    SourcePosition position();

    /** The node at a path of mapping keys and sequence indexes, or empty when the path leaves the tree. */
    default Optional<YamlNode> at(List<String> path) {
        YamlNode node = this;
        for (String step : path) {
            Optional<YamlNode> next = Optional.empty();
            if (node instanceof YamlMapping mapping) {
                next = mapping.entry(step).map(YamlMapping.Entry::value);
            } else if (node instanceof YamlSequence sequence) {
                next = sequence.item(step);
            }
            if (next.isEmpty()) {
                return Optional.empty();
            }
            node = next.get();
        }
        return Optional.of(node);
    }

    /** A mapping; keys are unique and always text, whatever they look like. */
    record YamlMapping(List<Entry> entries, SourcePosition position) implements YamlNode {
        public YamlMapping {
            entries = List.copyOf(entries);
        }

        public Optional<Entry> entry(String key) {
            return entries.stream().filter(e -> e.key().equals(key)).findFirst();
        }

        public record Entry(String key, SourcePosition keyPosition, YamlNode value) {}
    }

    record YamlSequence(List<YamlNode> items, SourcePosition position) implements YamlNode {
        public YamlSequence {
            items = List.copyOf(items);
        }

        Optional<YamlNode> item(String index) {
            try {
                int i = Integer.parseInt(index);
                return i >= 0 && i < items.size() ? Optional.of(items.get(i)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * A scalar typed by the YAML 1.2 core schema: {@code value} is a String, Long, Double, Boolean or null.
     * {@code text} is the scalar as written.
     */
    record YamlScalar(Object value, String text, SourcePosition position) implements YamlNode {}
}
