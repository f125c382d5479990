package dev.gitwire.cli;

import dev.gitwire.agent.AgentLog;
import dev.gitwire.agent.StatusWriterProcess;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.source.CommitTrust;
import dev.gitwire.source.IntentSource;
import dev.gitwire.status.StatusBranch;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gitwire writer}: the cluster's one status writer, apart from the agents (the `gitwire-writer` Deployment
 * of deploy/), so that only it holds the status branch's push credential. The agents run with
 * {@code --status-writer separate}.
 */
@Command(name = "writer", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:stopped by SIGTERM or SIGINT",
                "1:could not start",
                "2:usage error"},
        description = "With Kubernetes: fold the agents' status objects into the status branch and announce the intent"
                + " revision; the one process that holds the status push credential.")
final class WriterCommand implements Callable<Integer> {

    @Mixin
    GitAccessOptions git;

    @Mixin
    StatusPushOptions statusPush;

    @Option(names = "--repo", required = true, description = "The intent repo, whose revisions are announced")
    String repo;

    @Option(names = "--ref", defaultValue = "main", description = "Branch of the intent (default main)")
    String ref;

    @Option(names = "--status-branch", required = true, description = "Branch the statuses are folded into")
    String statusBranch;

    @Option(names = "--state-dir", defaultValue = "/var/lib/gitwire-writer",
            description = "Where the Git caches live (default /var/lib/gitwire-writer)")
    Path stateDir;

    @Option(names = "--kubeconfig", description = "Kubeconfig file (default: the pod's ServiceAccount)")
    Path kubeconfig;

    @Option(names = "--identity", description = "Who holds the Lease when this process leads (default: the host name,"
            + " the pod's name)")
    String identity;

    @Option(names = "--interval", defaultValue = "30s", description = "How often the intent is read (default 30s)")
    String interval;

    @Option(names = "--http-address", defaultValue = "0.0.0.0:9825",
            description = "Where /healthz and /metrics are served (default 0.0.0.0:9825)")
    String httpAddress;

    @Override
    public Integer call() throws Exception {
        GitAccess intentAccess = git.access();
        GitAccess statusAccess = statusPush.access(intentAccess);
        Files.createDirectories(stateDir);
        Config config = kubeconfig == null ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
        String holder = identity != null ? identity : Optional.ofNullable(System.getenv("HOSTNAME")).orElse("gitwire-writer");
        AgentLog log = new AgentLog(System.err, false, Clock.systemUTC(), AgentLog.Level.info);
        log.captureLibraries();
        // the writer announces what it fetched, unverified: every agent verifies the revision it is told of itself
        IntentSource intent = new IntentSource(repo, ref, stateDir.resolve("intent"), intentAccess, CommitTrust.none(), false);
        StatusBranch branch = new StatusBranch(new GitRemote(statusPush.repo(repo),
                stateDir.resolve("status"), statusAccess), statusAccess, statusBranch);
        Duration every = RunCommand.parseDuration(interval);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                StatusWriterProcess writer = new StatusWriterProcess(client,
                        Optional.ofNullable(client.getNamespace()).orElse("default"), holder, intent, branch, every,
                        RunCommand.parseAddress(httpAddress), log)) {
            // SIGTERM closes the writer, which releases its Lease
            RunCommand.untilTerminated(writer::run, writer::close, () -> { });
        }
        return GitwireCommand.EXIT_OK;
    }
}
