package dev.gitwire.status;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The README.md of the status branch: a table of nodes and a Mermaid graph of the encrypted links. */
public final class StatusReadme {

    private StatusReadme() {}

    public static String render(List<NodeStatus> statuses) {
        List<NodeStatus> nodes = statuses.stream().sorted(Comparator.comparing(NodeStatus::name)).toList();
        StringBuilder out = new StringBuilder();
        out.append("# gitwire mesh status\n\n");
        out.append("Written by the gitwire agents: each node commits `nodes/<name>.yaml` when what it observes ")
                .append("changes, and regenerates this page. `git log` of this branch is the audit trail.\n\n");
        out.append("| node | phase | revision | peers | public key |\n|---|---|---|---|---|\n");
        for (NodeStatus n : nodes) {
            long peered = n.peers().stream().filter(p -> p.state().equals("Peered")).count();
            out.append("| ").append(n.name()).append(" | ").append(n.phase()).append(" | ")
                    .append(n.observedRevision().map(StatusReadme::shortRevision).orElse("-")).append(" | ")
                    .append(peered).append('/').append(n.peers().size()).append(" | ")
                    .append(n.publicKey().map(k -> "`" + k.substring(0, Math.min(8, k.length())) + "…`").orElse("-"))
                    .append(" |\n");
        }
        out.append("\n```mermaid\ngraph LR\n");
        for (NodeStatus n : nodes) {
            out.append("  ").append(id(n.name())).append("[\"").append(n.name()).append(" (").append(n.phase())
                    .append(")\"]\n");
        }
        Set<String> links = new TreeSet<>();
        for (NodeStatus n : nodes) {
            n.peers().stream().filter(p -> p.state().equals("Peered")).forEach(p -> {
                String a = n.name().compareTo(p.name()) < 0 ? n.name() : p.name();
                String b = a.equals(n.name()) ? p.name() : n.name();
                links.add("  " + id(a) + " <-- encrypted --> " + id(b));
            });
        }
        links.forEach(l -> out.append(l).append('\n'));
        out.append("```\n");
        return out.toString();
    }

    private static String shortRevision(String revision) {
        int colon = revision.lastIndexOf(':');
        return colon < 0 ? revision : revision.substring(0, Math.min(revision.length(), colon + 8));
    }

    private static String id(String name) {
        return "n_" + name.replaceAll("[^A-Za-z0-9]", "_");
    }
}
