package dev.gitwire.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * An nftables table as gitwire owns it: base chains with their rules. Rule expressions are kept in
 * the JSON form `nft -j` prints, so that a table read back compares equal to the one written.
 */
public record NftTable(String family, String name, List<Chain> chains) {

    public NftTable {
        chains = List.copyOf(chains);
    }

    public record Chain(String name, String type, String hook, int priority, String policy, List<Rule> rules) {
        public Chain {
            rules = List.copyOf(rules);
        }
    }

    /**
     * One rule: its expressions, as nft's JSON names them ({@code match}, {@code mangle}, {@code return}, ...),
     * kept in the form a JSON parser gives them (a number that fits an int is an int), so that equality
     * does not depend on how a node was built.
     */
    public record Rule(List<JsonNode> expressions) {
        private static final ObjectMapper CANONICAL = new ObjectMapper();

        public Rule {
            expressions = expressions.stream().map(Rule::canonical).toList();
        }

        private static JsonNode canonical(JsonNode node) {
            try {
                return sortedSets(CANONICAL.readTree(node.toString()));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not JSON: " + node, e);
            }
        }

        /** An anonymous set's elements in one order: nft lists them in the order of its hash, not as written. */
        private static JsonNode sortedSets(JsonNode node) {
            if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
                object.fields().forEachRemaining(field -> sortedSets(field.getValue()));
                if (object.get("set") instanceof com.fasterxml.jackson.databind.node.ArrayNode set
                        && java.util.stream.StreamSupport.stream(set.spliterator(), false).allMatch(JsonNode::isTextual)) {
                    List<JsonNode> elements = new java.util.ArrayList<>();
                    set.forEach(elements::add);
                    elements.sort(java.util.Comparator.comparing(JsonNode::asText));
                    set.removeAll();
                    set.addAll(elements);
                }
            } else if (node.isArray()) {
                node.forEach(Rule::sortedSets);
            }
            return node;
        }
    }
}
