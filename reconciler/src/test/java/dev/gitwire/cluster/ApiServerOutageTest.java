package dev.gitwire.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.net.IpAddress;
import dev.gitwire.testing.FreePort;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The API server goes away and comes back: the last known state keeps serving, and the informers catch up. */
class ApiServerOutageTest {

    private static KubernetesMockServer serve(KubernetesCrudDispatcher state, int port) throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), state,
                false);
        server.init(InetAddress.getByName("127.0.0.1"), port);
        return server;
    }

    @Test
    void theLastKnownStateServesThroughAnOutageAndTheInformersCatchUp() throws Exception {
        int port = FreePort.any();
        KubernetesCrudDispatcher state = new KubernetesCrudDispatcher();
        KubernetesMockServer server = serve(state, port);
        try (KubernetesClient client = server.createClient();
                KubernetesCluster cluster = new KubernetesCluster(client, "node-a", () -> { })) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build()).create();
            client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata().withName("web-1").endMetadata()
                    .withNewSpec().withNodeName("node-a").endSpec().withNewStatus().withPhase("Running")
                    .withPodIP("10.240.0.5").endStatus().build()).create();
            cluster.start();
            assertThat(cluster.awaitSynced(Duration.ofSeconds(10))).isTrue();
            assertThat(cluster.snapshot().node("node-a").orElseThrow().workloadIPs())
                    .containsExactly(IpAddress.parse("10.240.0.5"));

            server.destroy();
            Thread.sleep(1500);
            assertThat(cluster.snapshot().node("node-a").orElseThrow().workloadIPs()).as("served while away")
                    .containsExactly(IpAddress.parse("10.240.0.5"));

            server = serve(state, port);
            client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata().withName("web-2").endMetadata()
                    .withNewSpec().withNodeName("node-a").endSpec().withNewStatus().withPhase("Running")
                    .withPodIP("10.240.0.6").endStatus().build()).create();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<IpAddress> ips = List.of();
            while (System.nanoTime() < deadline && ips.size() < 2) {
                ips = cluster.snapshot().node("node-a").orElseThrow().workloadIPs();
                Thread.sleep(100);
            }
            assertThat(ips).containsExactlyInAnyOrder(IpAddress.parse("10.240.0.5"), IpAddress.parse("10.240.0.6"));
        } finally {
            server.destroy();
        }
    }
}
