package dev.gitwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.git.GitUnavailableException;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.IntentTree;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.source.GitCommitTree;
import dev.gitwire.source.ScratchDirectory;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.status.StatusUnavailableException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.eclipse.jgit.lib.ObjectId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gitwire status --repo R}: every node of the inventory, and every node that reported, as the
 * status branch has it: its phase (`Missing` when it never reported), revision, peers with a handshake of
 * all, and when its status last changed. Exit 0 when every node is Ready or Disabled, 1 otherwise.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every node is Ready (or Disabled) and its status fresh",
                "1:a node is not Ready or its status is stale, or the status branch could not be read",
                "2:usage error"},
        description = "Print every node's state from the inventory and the status branch; exit 0 when all are Ready.")
final class StatusCommand implements Callable<Integer> {

    /** How far back the status branch's history is read for each node's last change. */
    private static final int HISTORY = 10_000;

    @Option(names = "--repo", required = true, description = "The intent repo: a Git URL or a local path")
    String repo;

    @Option(names = "--ref", defaultValue = "main", description = "Branch of the intent (default main)")
    String ref;

    @Option(names = "--status-repo",
            description = "The repo of the status branch, when not the intent repo: a Git URL or a local path")
    String statusRepo;

    @Option(names = "--status-branch", defaultValue = "gitwire/status",
            description = "The status branch (default gitwire/status)")
    String branch;

    @Option(names = "--output", defaultValue = "text", description = "text or json")
    ValidateCommand.Output output;

    @Option(names = "--kubeconfig",
            description = "Also list the cluster's nodes from the Kubernetes API (a node the inventory lacks, say)")
    Path kubeconfig;

    @Option(names = "--stale-after", defaultValue = "10m",
            description = "A node still on an older revision this long after the head was committed is Stale (default 10m)")
    String staleAfter;

    @Option(names = "--silent-after", defaultValue = "90m",
            description = "A node whose last report (a change, or the agents' 30m heartbeat) is older is Stale (default 90m)")
    String silentAfter;

    @Mixin
    GitAccessOptions git;

    @Spec
    CommandSpec spec;

    /** The intent's head: its nodes, and the revision every node should be on, since when. */
    private record Head(List<String> nodes, Optional<String> revision, Optional<Instant> committed) {}

    /** One node's line: what the status branch says of it, if anything, and when it last changed. */
    private record Row(String name, Optional<NodeStatus> status, Optional<Instant> changed, boolean stale) {
        String phase() {
            return stale ? "Stale" : status.map(s -> s.phase().name()).orElse("Missing");
        }

        boolean fine() {
            return !stale && status.filter(s -> s.phase() == NodeStatus.Phase.Ready
                    || s.phase() == NodeStatus.Phase.Disabled).isPresent();
        }

        long peered() {
            return status.map(NodeStatus::encrypted).orElse(0L);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GitAccess access = git.access();
        try (ScratchDirectory scratch = ScratchDirectory.create("gitwire-status")) {
            Head head = head(scratch.path().resolve("intent"), access, err);
            List<String> inventory = head.nodes();
            Duration staleBound = RunCommand.parseDuration(staleAfter);
            Duration silentBound = RunCommand.parseDuration(silentAfter);
            Optional<String> statusUrl = gitUrl(statusRepo == null ? repo : statusRepo);
            Map<String, NodeStatus> statuses = Map.of();
            Map<String, Instant> changed = Map.of();
            if (statusUrl.isPresent()) {
                try (GitRemote remote = new GitRemote(statusUrl.get(), scratch.path().resolve("status"), access)) {
                    StatusBranch statusBranch = new StatusBranch(remote, access, branch);
                    statuses = statusBranch.readAll();
                    statusBranch.ignored().forEach(line -> err.println("gitwire: warning: " + line));
                }
                TreeSet<String> names = new TreeSet<>(inventory);
                names.addAll(statuses.keySet());
                try (GitRemote history = new GitRemote(statusUrl.get(), scratch.path().resolve("history"), access)) {
                    changed = StatusBranch.lastChanges(history, branch, names, HISTORY);
                }
            } else {
                err.println("gitwire: warning: " + repo + " is not a Git repository: no status branch to read");
            }
            TreeSet<String> names = new TreeSet<>(inventory);
            names.addAll(statuses.keySet());
            names.addAll(clusterNodes());
            Instant now = Instant.now();
            // behind: a node that reported, but not the head, long after the head was committed
            boolean headIsOld = head.committed().filter(at -> Duration.between(at, now).compareTo(staleBound) > 0).isPresent();
            List<Row> rows = new ArrayList<>();
            for (String name : names) {
                Optional<NodeStatus> status = Optional.ofNullable(statuses.get(name));
                Optional<Instant> reported = Optional.ofNullable(changed.get(name));
                boolean behind = headIsOld && status.isPresent() && !status.get().observedRevision().equals(head.revision());
                boolean silent = status.isPresent()
                        && reported.filter(at -> Duration.between(at, now).compareTo(silentBound) > 0).isPresent();
                rows.add(new Row(name, status, reported, behind || silent));
            }
            if (output == ValidateCommand.Output.json) {
                out.println(json(rows, now));
            } else {
                out.printf("%-36s %-9s %-22s %-6s %-11s %-8s %s%n", "NODE", "PHASE", "REVISION", "PEERS", "ROUTES 4/6",
                        "REPORTED", "PUBLIC KEY");
                rows.forEach(r -> out.printf("%-36s %-9s %-22s %-6s %-11s %-8s %s%n", r.name(), r.phase(),
                        r.status().flatMap(NodeStatus::observedRevision).map(v -> v.length() > 22 ? v.substring(0, 22) : v)
                                .orElse("-"),
                        r.status().map(s -> r.peered() + "/" + s.meant()).orElse("-"),
                        r.status().flatMap(NodeStatus::dataplane).map(d -> (d.routes() - d.routesIpv6()) + "/"
                                + d.routesIpv6()).orElse("-"),
                        r.changed().map(at -> age(Duration.between(at, now)) + " ago").orElse("-"),
                        r.status().flatMap(NodeStatus::publicKey).orElse("-")));
            }
            out.flush();
            return rows.stream().allMatch(Row::fine) ? GitwireCommand.EXIT_OK : GitwireCommand.EXIT_FAILURE;
        } catch (GitUnavailableException | StatusUnavailableException e) {
            err.println("gitwire: " + e.getMessage());
            return GitwireCommand.EXIT_FAILURE;
        }
    }

    /** The intent's head: its inventory's node names (none, with a warning, when it does not read). */
    private Head head(Path cache, GitAccess access, PrintWriter err) throws IOException, GitUnavailableException {
        Optional<String> url = gitUrl(repo);
        if (url.isPresent()) {
            try (GitRemote remote = new GitRemote(url.get(), cache, access)) {
                Optional<ObjectId> head = remote.fetch(ref);
                if (head.isEmpty()) {
                    err.println("gitwire: warning: branch " + ref + " does not exist in " + repo + ": no inventory");
                    return new Head(List.of(), Optional.empty(), Optional.empty());
                }
                return new Head(names(read(GitCommitTree.of(remote.repository(), head.get()), err)),
                        Optional.of(ref + "@sha1:" + head.get().name()), Optional.of(remote.committed(head.get())));
            }
        }
        if (Files.isDirectory(Path.of(repo))) {
            return new Head(names(read(new DirectoryTree(Path.of(repo)), err)), Optional.empty(), Optional.empty());
        }
        throw new GitwireCommand.UsageException(repo + " is neither a Git URL nor a directory");
    }

    /** The Node names of the Kubernetes API, with --kubeconfig; none without. */
    private List<String> clusterNodes() throws IOException {
        if (kubeconfig == null) {
            return List.of();
        }
        Config config = Config.fromKubeconfig(
                Files.readString(kubeconfig));
        config.setRequestTimeout(10_000);
        config.setConnectionTimeout(10_000);
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(config).build()) {
            return client.nodes().list().getItems().stream().map(n -> n.getMetadata().getName()).toList();
        } catch (KubernetesClientException e) {
            throw new IOException("cannot list the cluster's nodes: " + e.getMessage(), e);
        }
    }

    private static List<String> names(Optional<Intent> intent) {
        return intent.map(i -> i.nodes().stream().map(MeshNode::name).toList()).orElse(List.of());
    }

    private Optional<Intent> read(IntentTree tree, PrintWriter err) throws IOException {
        IntentReader.Result result = new IntentReader().read(tree);
        if (result.intent().isEmpty()) {
            err.println("gitwire: warning: the intent at " + repo + " is not valid (gitwire validate says where):"
                    + " only nodes that reported are listed");
        }
        return result.intent();
    }

    /** A Git URL as it is; a local Git repository (a work tree or a bare one) as file://; else none. */
    private static Optional<String> gitUrl(String location) {
        if (GitRemote.isUrl(location)) {
            return Optional.of(location);
        }
        Path path = Path.of(location).toAbsolutePath().normalize();
        boolean git = Files.isDirectory(path.resolve(".git")) || Files.isRegularFile(path.resolve("HEAD"));
        return git ? Optional.of("file://" + path) : Optional.empty();
    }

    private static String age(Duration age) {
        long seconds = Math.max(0, age.getSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        if (seconds < 7200) {
            return seconds / 60 + "m";
        }
        return seconds < 172_800 ? seconds / 3600 + "h" : seconds / 86_400 + "d";
    }

    private static String json(List<Row> rows, Instant now) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode nodes = mapper.createArrayNode();
        for (Row r : rows) {
            ObjectNode n = nodes.addObject().put("name", r.name()).put("phase", r.phase());
            n.put("revision", r.status().flatMap(NodeStatus::observedRevision).orElse(null));
            n.put("publicKey", r.status().flatMap(NodeStatus::publicKey).orElse(null));
            n.put("peered", r.peered());
            n.put("peers", r.status().map(NodeStatus::meant).orElse(0L));
            r.status().flatMap(NodeStatus::dataplane).ifPresent(d -> {
                n.put("routesIPv4", d.routes() - d.routesIpv6());
                n.put("routesIPv6", d.routesIpv6());
                n.put("allowedIPsIPv4", d.allowedIps() - d.allowedIpsIpv6());
                n.put("allowedIPsIPv6", d.allowedIpsIpv6());
            });
            n.put("reported", r.changed().map(Instant::toString).orElse(null));
            n.put("reportedSecondsAgo", r.changed().map(at -> Duration.between(at, now).getSeconds()).orElse(null));
            ArrayNode conditions = n.putArray("conditions");
            r.status().ifPresent(s -> s.conditions().forEach(c -> conditions.addObject().put("type", c.type())
                    .put("status", c.status()).put("reason", c.reason()).put("message", c.message())));
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(nodes);
    }
}
