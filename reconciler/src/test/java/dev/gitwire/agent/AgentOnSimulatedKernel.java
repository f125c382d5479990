package dev.gitwire.agent;

import dev.gitwire.dataplane.SimulatedDataplane;
import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.git.GitAccess;
import dev.gitwire.source.CommitTrust;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.SwitchableLine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real {@link NodeAgent} of node "a" on {@link SimulatedDataplane}, without root: its intent in a real git daemon
 * reached through a {@link SwitchableLine}, so that Git down or silent is the line's state, and the connections it
 * counts are the fetches the Git host serves. With Kubernetes, the API is whatever the kubeconfig names.
 */
final class AgentOnSimulatedKernel implements AutoCloseable {

    /** Long enough that a silent Git server holds a read for the whole of a test. */
    private static final Duration GIT_TIMEOUT = Duration.ofSeconds(60);

    final SimulatedDataplane kernel = new SimulatedDataplane();
    final SwitchableLine git;
    final NodeAgent agent;
    private final GitServer server;
    private final GitWorkTree work;

    /**
     * Node "a" of the intent {@code files} (path to content), committed and pushed; with Kubernetes when
     * {@code kubernetes} is present, and a status branch of the intent repo when {@code withStatus}.
     */
    AgentOnSimulatedKernel(Path dir, Map<String, String> files, Optional<NodeSettings.KubernetesAccess> kubernetes,
            boolean withStatus) throws IOException {
        server = new GitServer(dir.resolve("served"));
        server.create("intent");
        work = new GitWorkTree(dir.resolve("work"), "file://" + server.path("intent"), Map.of());
        commit(files, "the mesh");
        int port = URI.create(server.url("intent")).getPort();
        git = new SwitchableLine(new InetSocketAddress("127.0.0.1", port));
        String url = "git://127.0.0.1:" + git.port() + "/intent.git";
        Optional<NodeSettings.StatusTarget> status = withStatus ? Optional.of(new NodeSettings.StatusTarget(url,
                "gitwire-status", GitAccess.anonymous(), Duration.ZERO)) : Optional.empty();
        agent = NodeAgent.on(new NodeSettings(url, "main", "a", dir.resolve("state"), status,
                GitAccess.anonymous().withTimeout(GIT_TIMEOUT), CommitTrust.none(), WireguardLink.Preference.USERSPACE,
                "wireguard-go", kubernetes, Duration.ZERO), kernel);
    }

    /** Writes {@code files} into the intent, commits and pushes them. */
    private void commit(Map<String, String> files, String message) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = work.dir().resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
        }
        work.commit(message, List.of());
        work.push(false);
    }

    @Override
    public void close() throws IOException {
        git.set(SwitchableLine.State.OPEN); // a read held silent ends now, not at its deadline
        agent.close();
        git.close();
        server.close();
    }
}
