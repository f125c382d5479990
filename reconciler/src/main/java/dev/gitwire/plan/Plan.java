package dev.gitwire.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The ordered operations that take the kernel from what it has to what it must have. */
public record Plan(List<Operation> operations) {

    public Plan {
        operations = List.copyOf(operations);
    }

    /** This plan's operations, then {@code next}'s. */
    public Plan followedBy(Plan next) {
        if (operations.isEmpty()) {
            return next;
        }
        List<Operation> both = new ArrayList<>(operations);
        both.addAll(next.operations());
        return new Plan(both);
    }

    public boolean isEmpty() {
        return operations.isEmpty();
    }

    public int size() {
        return operations.size();
    }

    /** How many operations of each kind, sorted by kind. */
    public Map<String, Integer> counts() {
        Map<String, Integer> counts = new TreeMap<>();
        operations.forEach(op -> counts.merge(op.kind(), 1, Integer::sum));
        return counts;
    }
}
