package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.dataplane.SimulatedDataplane;
import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.source.CommitTrust;
import dev.gitwire.source.SourceUnavailableException;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.IntentFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone, peers' keys come from the status branch; when that branch cannot be read, the keys read
 * before are kept, so a Git outage takes no peer away. The real agent on a simulated kernel, without root.
 */
class StandaloneKeysTest {

    @Test
    void keysReadBeforeOutliveAnOutageOfTheStatusBranch(@TempDir Path dir) throws Exception {
        try (GitServer server = new GitServer(dir.resolve("served"))) {
            String url = server.create("intent");
            GitWorkTree work = new GitWorkTree(dir.resolve("work"), "file://" + server.path("intent"), Map.of());
            IntentFixtures.copy(IntentFixtures.resource("intent/base"), work.dir());
            Files.writeString(work.dir().resolve("nodes/node-a.yaml"), "apiVersion: gitwire.dev/v1alpha1\n"
                    + "kind: MeshNode\nmetadata:\n  name: node-a\nspec:\n  addresses: [10.240.0.10]\n");
            work.commit("the mesh", List.of());
            work.push(false);
            PrivateKey b = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, dir.resolve("node-b"), GitAccess.anonymous())) {
                new StatusBranch(remote, GitAccess.anonymous(), "gitwire/status").publish(new NodeStatus("node-b",
                        Optional.of(b.publicKey().base64()), 51820, Optional.empty(), NodeStatus.Phase.Ready, List.of(),
                        Optional.empty(), List.of()), 1);
            }
            NodeSettings settings = standalone(url, dir.resolve("state"), CommitTrust.none());
            try (NodeAgent agent = NodeAgent.on(settings, new SimulatedDataplane())) {
                agent.read();
                assertThat(peerKeys(agent.prepare())).contains(b.publicKey());

                server.stop();
                agent.read();
                Agent.Prepared during = agent.prepare();
                assertThat(peerKeys(during)).contains(b.publicKey());
                assertThat(during.notes()).anyMatch(n -> n.contains("status branch not read")
                        && n.contains("using the 1 published keys read before"));
            }
        }
    }

    @Test
    void aReimagedNodeRecallsFromItsStatusWhatItAppliedAndRefusesARewoundHead(@TempDir Path dir) throws Exception {
        try (GitServer server = new GitServer(dir.resolve("served"))) {
            String url = server.create("intent");
            GitWorkTree work = new GitWorkTree(dir.resolve("work"), "file://" + server.path("intent"), Map.of());
            IntentFixtures.copy(IntentFixtures.resource("intent/base"), work.dir());
            String old = work.commit("the mesh", List.of());
            Files.writeString(work.dir().resolve("nodes/node-a.yaml"), "apiVersion: gitwire.dev/v1alpha1\n"
                    + "kind: MeshNode\nmetadata:\n  name: node-a\nspec:\n  addresses: [10.240.0.10]\n");
            String applied = work.commit("node-a joins", List.of());
            work.push(false);
            try (GitRemote remote = new GitRemote(url, dir.resolve("before-reimage"), GitAccess.anonymous())) {
                new StatusBranch(remote, GitAccess.anonymous(), "gitwire/status").publish(new NodeStatus("node-a",
                        Optional.empty(), 51820, Optional.of("main@sha1:" + applied), NodeStatus.Phase.Ready, List.of(),
                        Optional.empty(), List.of()), 1);
            }
            work.git("reset", "-q", "--hard", old);
            work.push(true);
            NodeSettings settings = standalone(url, dir.resolve("new-state"),
                    new CommitTrust(false, Optional.empty(), Optional.empty(), false));

            try (NodeAgent agent = NodeAgent.on(settings, new SimulatedDataplane())) {
                assertThatThrownBy(agent::read).isInstanceOf(SourceUnavailableException.class)
                        .hasMessageContaining("does not descend from the last applied " + applied.substring(0, 7));
            }
        }
    }

    /** Node node-a of the intent at {@code url}, standalone, its status on that repo's gitwire/status. */
    private static NodeSettings standalone(String url, Path state, CommitTrust trust) {
        return new NodeSettings(url, "main", "node-a", state, Optional.of(new NodeSettings.StatusTarget(url,
                "gitwire/status", GitAccess.anonymous(), NodeSettings.StatusTarget.DEFAULT_HEARTBEAT)),
                GitAccess.anonymous(), trust, WireguardLink.Preference.AUTO, "wireguard-go", Optional.empty(),
                NodeSettings.DEFAULT_TEARDOWN_GRACE);
    }

    private static List<PublicKey> peerKeys(Agent.Prepared prepared) {
        return prepared.desired().wireguard().orElseThrow().peers().stream().map(PeerConfig::publicKey).toList();
    }
}
