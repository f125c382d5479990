package dev.gitwire.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.LiveNode;
import dev.gitwire.net.IpAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The live cluster from fabric8's mock API server in CRUD mode, the one stand-in of the test suite. */
@EnableKubernetesMockClient(crud = true)
class KubernetesClusterTest {

    KubernetesClient client;
    private KubernetesCluster cluster;
    private final AtomicInteger changes = new AtomicInteger();

    @BeforeEach
    void nodes() throws InterruptedException {
        for (String[] node : new String[][] {{"node-a", "10.240.0.4"}, {"node-b", "10.240.0.64"}}) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node[0])
                    .withLabels(Map.of("agentpool", "nodepool1")).endMetadata()
                    .withNewSpec().withProviderID("azure:///subscriptions/x/" + node[0]).endSpec()
                    .withNewStatus().addNewAddress().withType("InternalIP").withAddress(node[1]).endAddress()
                    .addNewAddress().withType("Hostname").withAddress(node[0]).endAddress().endStatus().build())
                    .create();
        }
        cluster = new KubernetesCluster(client, "node-a", changes::incrementAndGet);
        cluster.start();
        assertThat(cluster.awaitSynced(Duration.ofSeconds(10))).isTrue();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private Pod pod(String name, String node, String ip, boolean hostNetwork, String phase) {
        return client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).withHostNetwork(hostNetwork).endSpec()
                .withNewStatus().withPhase(phase).withPodIP(ip).addNewPodIP().withIp(ip).endPodIP().endStatus().build())
                .create();
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private List<IpAddress> workloads(String node) {
        return cluster.snapshot().node(node).map(LiveNode::workloadIPs).orElse(List.of());
    }

    @Test
    void podsCreatedMovedAndDeletedChangeTheLiveState() throws Exception {
        LiveNode a = cluster.snapshot().node("node-a").orElseThrow();
        assertThat(a.addresses()).containsExactly(IpAddress.parse("10.240.0.4"));
        assertThat(a.onAzure()).isTrue();
        assertThat(a.labels()).containsEntry("agentpool", "nodepool1");

        pod("web-1", "node-a", "10.240.0.5", false, "Running");
        pod("kube-proxy", "node-a", "10.240.0.4", true, "Running");
        pod("job-1", "node-a", "10.240.0.9", false, "Succeeded");
        assertThat(eventually(() -> workloads("node-a").equals(List.of(IpAddress.parse("10.240.0.5"))))).isTrue();
        assertThat(changes.get()).isPositive();

        client.pods().inNamespace("apps").withName("web-1").delete();
        assertThat(eventually(() -> workloads("node-a").isEmpty())).isTrue();
        pod("web-1", "node-b", "10.240.0.5", false, "Running"); // the IP moves to the other node
        assertThat(eventually(() -> workloads("node-b").equals(List.of(IpAddress.parse("10.240.0.5"))))).isTrue();
        assertThat(workloads("node-a")).isEmpty();
    }

    @Test
    void theKeyIsPublishedOnTheOwnNodeAndPutBackWhenChanged() throws Exception {
        PublicKey key = PrivateKey.generate(new SecureRandom()).publicKey();
        cluster.publishKey(key);
        assertThat(client.nodes().withName("node-a").get().getMetadata().getAnnotations())
                .containsEntry(KubernetesCluster.KEY_ANNOTATION, key.base64());
        assertThat(eventually(() -> cluster.snapshot().node("node-a").orElseThrow().advertisedKey().equals(
                Optional.of(key)))).isTrue();

        client.nodes().withName("node-a").edit(node -> {
            node.getMetadata().getAnnotations().put(KubernetesCluster.KEY_ANNOTATION, "tampered");
            return node;
        });
        assertThat(eventually(() -> key.base64().equals(client.nodes().withName("node-a").get().getMetadata()
                .getAnnotations().get(KubernetesCluster.KEY_ANNOTATION)))).as("healed").isTrue();
        assertThat(client.nodes().withName("node-b").get().getMetadata().getAnnotations())
                .as("no other node is touched").doesNotContainKey(KubernetesCluster.KEY_ANNOTATION);
    }
}
