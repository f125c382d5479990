package dev.gitwire.intent;

import java.util.List;
import java.util.Map;

/** A Kubernetes label selector; the empty selector matches every node. */
public record NodeSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    public static final NodeSelector ALL = new NodeSelector(Map.of(), List.of());

    public NodeSelector {
        matchLabels = Map.copyOf(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    public boolean matches(Map<String, String> labels) {
        return matchLabels.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))
                && matchExpressions.stream().allMatch(r -> r.matches(labels));
    }

    public enum Operator implements Spelled {
        IN("In"),
        NOT_IN("NotIn"),
        EXISTS("Exists"),
        DOES_NOT_EXIST("DoesNotExist");

        private final String spelling;

        Operator(String spelling) {
            this.spelling = spelling;
        }

        @Override
        public String spelling() {
            return spelling;
        }

        /** In and NotIn compare against values; Exists and DoesNotExist must have none. */
        public boolean takesValues() {
            return this == IN || this == NOT_IN;
        }
    }

    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (operator) {
                case IN -> value != null && values.contains(value);
                case NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
            };
        }
    }
}
