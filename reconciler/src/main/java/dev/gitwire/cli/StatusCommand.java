package dev.gitwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.source.GitAccess;
import dev.gitwire.source.GitRemote;
import dev.gitwire.source.ScratchDirectory;
import dev.gitwire.source.SourceUnavailableException;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gitwire status --repo R}: the mesh as the nodes reported it on the status branch. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print every node's reported status from the status branch.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, defaultValue = "${env:GITWIRE_REPO}", description = "Git URL of the repo")
    String repo;

    @Option(names = "--status-branch", defaultValue = "${env:GITWIRE_STATUS_BRANCH:-gitwire/status}",
            description = "The status branch (default gitwire/status)")
    String branch;

    @Option(names = "--output", defaultValue = "text", description = "text or json")
    ValidateCommand.Output output;

    @Mixin
    GitAccessOptions git;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!GitRemote.isUrl(repo)) {
            throw new GitwireCommand.UsageException(repo + " is not a Git URL (file://, git://, https://, ssh://)");
        }
        GitAccess access = git.access();
        try (ScratchDirectory scratch = ScratchDirectory.create("gitwire-status");
                GitRemote remote = new GitRemote(repo, scratch.path(), access)) {
            StatusBranch statusBranch = new StatusBranch(remote, access, branch);
            Map<String, NodeStatus> statuses = statusBranch.readAll();
            statusBranch.ignored().forEach(line -> spec.commandLine().getErr().println("gitwire: warning: " + line));
            if (output == ValidateCommand.Output.json) {
                out.println(json(statuses));
            } else {
                out.printf("%-36s %-9s %-22s %-6s %s%n", "NODE", "PHASE", "REVISION", "PEERS", "PUBLIC KEY");
                statuses.values().forEach(s -> out.printf("%-36s %-9s %-22s %-6s %s%n", s.name(), s.phase(),
                        s.observedRevision().map(r -> r.length() > 22 ? r.substring(0, 22) : r).orElse("-"),
                        s.peers().stream().filter(p -> p.state().equals("Peered")).count() + "/" + s.peers().size(),
                        s.publicKey().orElse("-")));
            }
        } catch (SourceUnavailableException e) {
            spec.commandLine().getErr().println("gitwire: " + e.getMessage());
            return GitwireCommand.EXIT_FAILURE;
        }
        out.flush();
        return GitwireCommand.EXIT_OK;
    }

    private static String json(Map<String, NodeStatus> statuses) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode nodes = mapper.createArrayNode();
        for (NodeStatus s : statuses.values()) {
            ObjectNode n = nodes.addObject().put("name", s.name()).put("phase", s.phase().name());
            n.put("revision", s.observedRevision().orElse(null));
            n.put("publicKey", s.publicKey().orElse(null));
            n.put("peered", s.peers().stream().filter(p -> p.state().equals("Peered")).count());
            n.put("peers", s.peers().size());
            ArrayNode conditions = n.putArray("conditions");
            s.conditions().forEach(c -> conditions.addObject().put("type", c.type()).put("status", c.status())
                    .put("reason", c.reason()).put("message", c.message()));
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(nodes);
    }
}
