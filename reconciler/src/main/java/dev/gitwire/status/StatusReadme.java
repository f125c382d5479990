package dev.gitwire.status;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The README.md of the status branch: a table of nodes and a Mermaid graph of the encrypted links. */
public final class StatusReadme {

    /** The most meshed nodes whose encrypted links are drawn; above, the graph shows the links left out only. */
    static final int MAX_DRAWN_MESH = 30;

    private StatusReadme() {}

    public static String render(List<NodeStatus> statuses) {
        List<NodeStatus> nodes = statuses.stream().sorted(Comparator.comparing(NodeStatus::name)).toList();
        StringBuilder out = new StringBuilder();
        out.append("# gitwire mesh status\n\n");
        out.append("Written by gitwire: each node's `nodes/<name>.yaml` changes when what it observes changes, ")
                .append("and this page with it. `git log` of this branch is the audit trail.\n\n");
        out.append("| node | phase | revision | peers | public key |\n|---|---|---|---|---|\n");
        for (NodeStatus n : nodes) {
            out.append("| ").append(n.name()).append(" | ").append(n.phase()).append(" | ")
                    .append(n.observedRevision().map(StatusReadme::shortRevision).orElse("-")).append(" | ")
                    .append(n.encrypted()).append('/').append(n.meant()).append(" | ")
                    .append(n.publicKey().map(k -> "`" + k.substring(0, Math.min(8, k.length())) + "…`").orElse("-"))
                    .append(" |\n");
        }
        out.append("\n```mermaid\ngraph LR\n");
        for (NodeStatus n : nodes) {
            out.append("  ").append(id(n.name())).append("[\"").append(n.name()).append(" (").append(n.phase())
                    .append(")\"]\n");
        }
        // a node lists only the peers it leaves out: every other pair of meshed nodes is encrypted
        Set<String> leftOut = new TreeSet<>();
        for (NodeStatus n : nodes) {
            n.peers().forEach(p -> {
                leftOut.add(n.name() + " " + p.name());
                out.append("  ").append(id(n.name())).append(" -. ").append(p.state()).append(" .-> ")
                        .append(id(p.name())).append('\n');
            });
        }
        List<NodeStatus> meshed = nodes.stream().filter(n -> n.dataplane().isPresent()).toList();
        if (meshed.size() <= MAX_DRAWN_MESH) { // a larger full mesh is a blot, not a picture: the table says it
            for (int i = 0; i < meshed.size(); i++) {
                for (int j = i + 1; j < meshed.size(); j++) {
                    String a = meshed.get(i).name();
                    String b = meshed.get(j).name();
                    if (!leftOut.contains(a + " " + b) && !leftOut.contains(b + " " + a)) {
                        out.append("  ").append(id(a)).append(" <-- encrypted --> ").append(id(b)).append('\n');
                    }
                }
            }
        }
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
