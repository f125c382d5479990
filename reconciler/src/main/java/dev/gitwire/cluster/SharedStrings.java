package dev.gitwire.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One copy of each string that many objects repeat (namespaces, node names, phases). */
final class SharedStrings {

    private final Map<String, String> strings = new ConcurrentHashMap<>();

    String share(String text) {
        return text == null ? null : strings.computeIfAbsent(text, t -> t);
    }
}
