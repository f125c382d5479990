package dev.gitwire.dataplane.nft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.model.NftTable.Counter;
import dev.gitwire.model.NftTable.Expression;
import dev.gitwire.model.NftTable.IncomingInterfaceIsNot;
import dev.gitwire.model.NftTable.MarkOr;
import dev.gitwire.model.NftTable.Marked;
import dev.gitwire.model.NftTable.Other;
import dev.gitwire.model.NftTable.OutgoingInterfaceIs;
import dev.gitwire.model.NftTable.PayloadIn;
import dev.gitwire.model.NftTable.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The typed rule expressions in nft's JSON (libnftables-json(5)), both ways: what {@link #json} writes, {@link #parse}
 * reads back as the same expression; any other shape is an {@link Other}, which no expression gitwire writes equals.
 */
final class NftExpressions {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private NftExpressions() {}

    static JsonNode json(Expression expression) {
        ObjectNode node = JSON.objectNode();
        if (expression instanceof IncomingInterfaceIsNot e) {
            match(node, "!=", meta("iifname"), JSON.textNode(e.name()));
        } else if (expression instanceof OutgoingInterfaceIs e) {
            match(node, "==", meta("oifname"), JSON.textNode(e.name()));
        } else if (expression instanceof PayloadIn e) {
            ObjectNode payload = JSON.objectNode();
            payload.putObject("payload").put("protocol", e.protocol()).put("field", e.field());
            ObjectNode set = JSON.objectNode();
            e.values().forEach(v -> set.withArray("set").add(value(v)));
            // one value as itself, as nft prints a set of one
            match(node, "==", payload, e.values().size() == 1 ? value(e.values().get(0)) : set);
        } else if (expression instanceof Marked e) {
            ObjectNode and = JSON.objectNode();
            and.putArray("&").add(meta("mark")).add(e.mark());
            match(node, "==", and, JSON.numberNode(e.mark()));
        } else if (expression instanceof MarkOr e) {
            ObjectNode mangle = node.putObject("mangle");
            mangle.set("key", meta("mark"));
            ObjectNode or = JSON.objectNode();
            or.putArray("|").add(meta("mark")).add(e.mark());
            mangle.set("value", or);
        } else if (expression instanceof Counter) {
            node.putObject("counter").put("packets", 0).put("bytes", 0);
        } else if (expression instanceof Verdict e) {
            node.putNull(e.name());
        } else {
            throw new IllegalArgumentException("gitwire writes no expression it did not type: " + expression);
        }
        return node;
    }

    static Expression parse(JsonNode node) {
        // typed only when it is exactly what gitwire writes for it (the operator too): else it is someone else's
        return typed(node).filter(e -> e instanceof Counter || normalised(json(e)).equals(normalised(node)))
                .orElseGet(() -> new Other(node.toString()));
    }

    /** The expression {@code node} would be, judged by its shape. */
    private static Optional<Expression> typed(JsonNode node) {
        JsonNode left = node.path("match").path("left");
        JsonNode right = node.path("match").path("right");
        String metaKey = left.path("meta").path("key").asText("");
        if (metaKey.equals("iifname") && right.isTextual()) {
            return Optional.of(new IncomingInterfaceIsNot(right.asText()));
        }
        if (metaKey.equals("oifname") && right.isTextual()) {
            return Optional.of(new OutgoingInterfaceIs(right.asText()));
        }
        if (left.has("payload") && (right.isTextual() || right.isIntegralNumber() || right.path("set").isArray())) {
            List<String> values = new ArrayList<>();
            if (!right.has("set")) {
                values.add(right.asText());
            } else {
                right.get("set").forEach(v -> values.add(v.asText()));
            }
            return Optional.of(new PayloadIn(left.path("payload").path("protocol").asText(),
                    left.path("payload").path("field").asText(), values));
        }
        if (left.has("&") && right.canConvertToLong()) {
            return Optional.of(new Marked(right.asLong()));
        }
        JsonNode or = node.path("mangle").path("value").path("|").path(1);
        if (or.canConvertToLong()) {
            return Optional.of(new MarkOr(or.asLong()));
        }
        if (node.size() == 1 && node.has("counter")) {
            return Optional.of(new Counter());
        }
        if (node.size() == 1 && node.elements().next().isNull()) {
            return Optional.of(new Verdict(node.properties().iterator().next().getKey()));
        }
        return Optional.empty();
    }

    /** Numbers by value (nft prints a mark as an int where gitwire wrote a long), an anonymous set in one order. */
    private static JsonNode normalised(JsonNode node) {
        if (node.isIntegralNumber()) {
            return JSON.numberNode(node.asLong());
        }
        if (node.isObject()) {
            ObjectNode copy = JSON.objectNode();
            node.properties().forEach(f -> copy.set(f.getKey(), normalised(f.getValue())));
            if (copy.get("set") instanceof ArrayNode set) {
                List<String> values = new ArrayList<>();
                set.forEach(v -> values.add(v.asText()));
                ArrayNode sorted = copy.putArray("set");
                values.stream().sorted().forEach(sorted::add);
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JSON.arrayNode();
            node.forEach(v -> copy.add(normalised(v)));
            return copy;
        }
        return node;
    }

    /** A value of a payload field as nft prints it: a port is a number, an address text. */
    private static JsonNode value(String value) {
        return value.chars().allMatch(Character::isDigit) && !value.isEmpty() ? JSON.numberNode(Long.parseLong(value))
                : JSON.textNode(value);
    }

    private static void match(ObjectNode node, String op, JsonNode left, JsonNode right) {
        ObjectNode match = node.putObject("match").put("op", op);
        match.set("left", left);
        match.set("right", right);
    }

    private static ObjectNode meta(String key) {
        ObjectNode meta = JSON.objectNode();
        meta.putObject("meta").put("key", key);
        return meta;
    }
}
