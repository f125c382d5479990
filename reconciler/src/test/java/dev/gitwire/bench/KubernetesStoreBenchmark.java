package dev.gitwire.bench;

import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.cluster.LiveCluster;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N nodes and P pods (with realistic labels, containers and status) in fabric8's mock API server, then
 * loaded through gitwire's informers: the heap the reduced stores hold, and events processed per second.
 */
public final class KubernetesStoreBenchmark {

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int nodes = args.integer(0, 5000);
        int pods = args.integer(1, 150_000);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int n = i;
                work.add(pool.submit(() -> client.nodes().resource(new NodeBuilder().withNewMetadata()
                        .withName(node(n)).addToLabels("agentpool", "nodepool1")
                        .addToLabels("kubernetes.io/os", "linux").endMetadata().withNewSpec()
                        .withProviderID("azure:///subscriptions/0/resourceGroups/mc/vm/" + n).endSpec().withNewStatus()
                        .addNewAddress().withType("InternalIP").withAddress(ip(n, 0)).endAddress()
                        .addNewAddress().withType("Hostname").withAddress(node(n)).endAddress().endStatus().build())
                        .create() != null)); // a boolean: the created object is not kept by the future
            }
            for (int i = 0; i < pods; i++) {
                int p = i;
                work.add(pool.submit(() -> client.pods().inNamespace("ns-" + (p % 50)).resource(new PodBuilder()
                        .withNewMetadata().withName("pod-" + p).addToLabels("app", "app-" + (p % 300))
                        .addToLabels("pod-template-hash", Integer.toHexString(p)).endMetadata()
                        .withNewSpec().withNodeName(node(p % nodes)).addNewContainer().withName("main")
                        .withImage("registry.example.com/app:1." + (p % 10)).endContainer().endSpec()
                        .withNewStatus().withPhase("Running").withPodIP(ip(p % nodes, 1 + p / nodes))
                        .addNewPodIP().withIp(ip(p % nodes, 1 + p / nodes)).endPodIP().endStatus().build())
                        .create() != null));
            }
            for (Future<?> f : work) {
                f.get();
            }
            work.clear();
            pool.shutdown();

            AtomicLong events = new AtomicLong();
            long start = System.nanoTime();
            KubernetesCluster cluster = new KubernetesCluster(client, node(0), events::incrementAndGet);
            cluster.start();
            long millis = (System.nanoTime() - start) / 1_000_000;
            LiveCluster live = cluster.snapshot();
            long ips = live.nodes().values().stream().mapToLong(n -> n.workloadIPs().size()).sum();
            live = null;
            long synced = usedAfterGc();
            cluster.close(); // what the informers held becomes garbage: the difference is their stores
            cluster = null;
            long held = synced - usedAfterGc();
            System.out.printf("kubernetes %d nodes, %d pods: informers synced in %d ms (%d events, %.0f events/s);"
                            + " informer stores hold %d MB of heap; snapshot had %d workload IPs%n", nodes, pods,
                    millis, events.get(), events.get() * 1000.0 / Math.max(1, millis), held / (1024 * 1024), ips);
        } finally {
            server.destroy();
        }
    }

    private static String node(int n) {
        return String.format("aks-nodepool1-%05d", n);
    }

    /** Node n's address (host 0) and its pods' (host 1..) in 10.0.0.0/8, as Azure CNI allocates them. */
    private static String ip(int node, int host) {
        int value = (node * 64) + host;
        return "10." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff) + "." + (value & 0xff);
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
