package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import dev.gitwire.source.CommitTrust;
import dev.gitwire.source.GitAccess;
import dev.gitwire.source.SourceUnavailableException;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Kubeconfig;
import dev.gitwire.testing.Privileged;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with the Kubernetes API (fabric8's mock server in CRUD mode): pods become peers' allowed IPs,
 * keys come from Node annotations, and the agent publishes its own. Only reads the kernel.
 */
@Privileged
@EnableKubernetesMockClient(crud = true)
class KubernetesAgentTest {

    KubernetesClient client;

    @Test
    void livePodsBecomeAllowedIpsAndKeysComeFromAnnotations(@TempDir Path dir) throws Exception {
        PrivateKey b = PrivateKey.generate(new SecureRandom());
        for (String[] node : new String[][] {{"node-a", "10.240.0.10", null}, {"node-b", "10.240.0.20", b.publicKey().base64()}}) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node[0])
                    .withAnnotations(node[2] == null ? Map.of() : Map.of(KubernetesCluster.KEY_ANNOTATION, node[2]))
                    .endMetadata().withNewStatus().addNewAddress().withType("InternalIP").withAddress(node[1])
                    .endAddress().endStatus().build()).create();
        }
        client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata().withName("web-1").endMetadata()
                .withNewSpec().withNodeName("node-b").endSpec().withNewStatus().withPhase("Running")
                .withPodIP("10.240.0.23").endStatus().build()).create();
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Files.delete(repo.resolve("nodes/node-a.yaml")); // node-a and node-b listed, node-c too but not in the cluster
        Files.writeString(repo.resolve("nodes/node-a.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\n"
                + "metadata:\n  name: node-a\nspec:\n  addresses: [10.240.0.10]\n");
        Files.writeString(repo.resolve("nodes/node-b.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\n"
                + "metadata:\n  name: node-b\n");
        Path kubeconfig = Kubeconfig.write(dir.resolve("kubeconfig"), client.getMasterUrl().toString());

        NodeSettings settings = new NodeSettings(repo.toString(), "main", "node-a", dir.resolve("state"), Optional.empty(),
                GitAccess.anonymous(), CommitTrust.none(), WireguardLink.Choice.AUTO, "wireguard-go",
                Optional.of(new NodeSettings.KubernetesAccess(Optional.of(kubeconfig))), NodeSettings.DEFAULT_TEARDOWN_GRACE);
        try (NodeAgent agent = new NodeAgent(settings)) {
            assertThat(agent.awaitCluster(Duration.ofSeconds(10))).isTrue();
            assertThat(client.nodes().withName("node-a").get().getMetadata().getAnnotations())
                    .containsEntry(KubernetesCluster.KEY_ANNOTATION, agent.identity().privateKey().publicKey().base64());

            agent.read();
            PeerConfig peer = agent.prepare().desired().wireguard().orElseThrow().peers().get(0);
            assertThat(peer.publicKey()).isEqualTo(b.publicKey());
            assertThat(peer.allowedIps()).containsExactly(Cidr.parse("10.240.0.20/32"), Cidr.parse("10.240.0.23/32"));

            client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata().withName("web-2").endMetadata()
                    .withNewSpec().withNodeName("node-b").endSpec().withNewStatus().withPhase("Running")
                    .withPodIP("10.240.0.24").endStatus().build()).create();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<Cidr> allowed = List.of();
            while (System.nanoTime() < deadline && !allowed.contains(Cidr.parse("10.240.0.24/32"))) {
                allowed = List.copyOf(agent.prepare().desired().wireguard().orElseThrow().peers().get(0).allowedIps());
                Thread.sleep(50);
            }
            assertThat(allowed).contains(Cidr.parse("10.240.0.24/32"));
            assertThat(agent.prepare().desired().routes().stream().map(r -> r.destination().toString()))
                    .contains("10.240.0.24/32");
        }
    }

    /** `gitwire plan` changes nothing anywhere (issue 15): no key file, no key on the Node, no last good intent. */
    @Test
    void anAgentThatOnlyLooksWritesNothing(@TempDir Path dir) throws Exception {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("10.240.0.10").endAddress().endStatus().build())
                .create();
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Path kubeconfig = Kubeconfig.write(dir.resolve("kubeconfig"), client.getMasterUrl().toString());
        Path state = dir.resolve("state");
        NodeSettings settings = new NodeSettings(repo.toString(), "main", "node-a", state, Optional.empty(),
                GitAccess.anonymous(), CommitTrust.none(), WireguardLink.Choice.AUTO, "wireguard-go",
                Optional.of(new NodeSettings.KubernetesAccess(Optional.of(kubeconfig))), NodeSettings.DEFAULT_TEARDOWN_GRACE);

        try (NodeAgent agent = NodeAgent.forPlanning(settings)) {
            assertThat(agent.awaitCluster(Duration.ofSeconds(10))).isTrue();
            agent.read();
            Agent.Prepared prepared = agent.prepare();
            assertThat(prepared.notes()).anyMatch(n -> n.contains("no private key in " + state));
        }

        assertThat(state.resolve("private.key")).doesNotExist();
        assertThat(state.resolve("last-good")).doesNotExist();
        assertThat(client.nodes().withName("node-a").get().getMetadata().getAnnotations())
                .doesNotContainKey(KubernetesCluster.KEY_ANNOTATION);
    }

    /**
     * The API server down when the agent starts (issue 15): the agent is built, waits without changing
     * anything and says why; once the API answers, it syncs, publishes its key and prepares a reconcile.
     */
    @Test
    void anApiServerDownAtStartIsWaitedForNotFatal(@TempDir Path dir) throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir.resolve("repo"));
        Path kubeconfig = Kubeconfig.write(dir.resolve("kubeconfig"), "http://127.0.0.1:" + port);
        NodeSettings settings = new NodeSettings(repo.toString(), "main", "node-a", dir.resolve("state"), Optional.empty(),
                GitAccess.anonymous(), CommitTrust.none(), WireguardLink.Choice.AUTO, "wireguard-go",
                Optional.of(new NodeSettings.KubernetesAccess(Optional.of(kubeconfig))), NodeSettings.DEFAULT_TEARDOWN_GRACE);

        try (NodeAgent agent = new NodeAgent(settings)) {
            agent.read();
            assertThat(agent.awaitCluster(Duration.ofSeconds(2))).isFalse();
            assertThatThrownBy(agent::prepare).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("waiting for the Kubernetes API").hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("nothing is changed");

            io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server =
                    new io.fabric8.kubernetes.client.server.mock.KubernetesMockServer(new io.fabric8.mockwebserver.Context(),
                            new io.fabric8.mockwebserver.MockWebServer(), new java.util.HashMap<>(),
                            new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(), false);
            server.init(java.net.InetAddress.getByName("127.0.0.1"), port);
            try (KubernetesClient late = server.createClient()) {
                late.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build())
                        .create();
                assertThat(agent.awaitCluster(Duration.ofSeconds(60))).as("synced once the API answers").isTrue();
                assertThat(agent.prepare().desired()).isNotNull();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (System.nanoTime() < deadline && Optional.ofNullable(late.nodes().withName("node-a").get()
                        .getMetadata().getAnnotations()).map(a -> !a.containsKey(KubernetesCluster.KEY_ANNOTATION))
                        .orElse(true)) {
                    Thread.sleep(100);
                }
                assertThat(late.nodes().withName("node-a").get().getMetadata().getAnnotations())
                        .containsEntry(KubernetesCluster.KEY_ANNOTATION, agent.identity().privateKey().publicKey().base64());
            } finally {
                server.destroy();
            }
        }
    }
}
