package dev.gitwire.bench;

import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.model.LiveCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * N nodes and P pods (with realistic labels, containers and status) in fabric8's mock API server, then
 * loaded through gitwire's informers: the live heap that starting them added (stores, watches, client;
 * counted by class histogram, before and after), and events processed per second.
 */
public final class KubernetesStoreBenchmark {

    private static final String MOCK_WATCH_MESSAGE = "io.fabric8.mockwebserver.internal.WebSocketMessage";

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int nodes = args.integer(0, 5000);
        int pods = args.integer(1, 150_000);
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                dispatcher, false);
        server.init();
        Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
        try (KubernetesClient client = server.createClient()) {
            // the first of each through the API; the rest straight into the mock's store, under the key the
            // mock gave the first (its create scans the whole store, which makes 150,000 creates take hours)
            Node firstNode = client.nodes().resource(node(0)).create();
            Pod firstPod = client.pods().resource(pod(0, nodes)).create();
            KubernetesSerialization json = client.getKubernetesSerialization();
            seed(dispatcher, json, firstNode, "/api/v1/nodes", 1, nodes, n -> node(n));
            seed(dispatcher, json, firstPod, "/api/v1/namespaces/%s/pods", 1, pods, p -> pod(p, nodes));

            LiveHeap before = LiveHeap.take();
            AtomicLong events = new AtomicLong();
            long start = System.nanoTime();
            KubernetesCluster cluster = new KubernetesCluster(client, nodeName(0), events::incrementAndGet);
            cluster.start();
            if (!cluster.awaitSynced(Duration.ofMinutes(10))) {
                throw new IllegalStateException("not synced: " + cluster.waitingFor());
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            LiveCluster live = cluster.snapshot();
            long ips = live.nodes().values().stream().mapToLong(n -> n.workloadIPs().size()).sum();
            live = null;
            // the mock answers a watch with an ADDED message for every stored object and queues them: they are
            // the mock's heap, not the informers', so measure once it has sent them all
            LiveHeap synced = LiveHeap.take();
            for (int i = 0; i < 60 && synced.bytesByClass().containsKey(MOCK_WATCH_MESSAGE); i++) {
                Thread.sleep(2_000);
                synced = LiveHeap.take();
            }
            // what the informers, their watches and the client hold now: an upper bound of the stores
            long held = synced.total() - before.total();
            System.out.printf("kubernetes %d nodes, %d pods: informers synced in %d ms (%d events, %.0f events/s);"
                            + " informers hold %d MB of heap (live objects, histogram); snapshot had %d workload IPs%n",
                    nodes, pods, millis, events.get(), events.get() * 1000.0 / Math.max(1, millis), held / (1024 * 1024), ips);
            System.out.println("held by class:\n" + synced.largestGrowthSince(before, 12));
            cluster.close();
        } finally {
            server.destroy();
        }
        System.exit(0); // the mock server's Vert.x threads may outlive destroy()
    }

    /**
     * Puts objects {@code from..to-1} into the mock's store as its create would: the attribute key made
     * the same way (checked against the one the mock made for the first object) and a resource version.
     */
    private static <T extends HasMetadata> void seed(KubernetesCrudDispatcher dispatcher, KubernetesSerialization json,
            T created, String collection, int from, int to, IntFunction<T> object) {
        KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) dispatcher.getAttributeExtractor();
        AttributeSet madeByTheMock = dispatcher.getMap().keySet().stream()
                .filter(key -> dispatcher.getMap().get(key).contains("\"" + created.getMetadata().getName() + "\""))
                .findFirst().orElseThrow();
        if (!key(extractor, collection, json, created).equals(madeByTheMock)) {
            throw new IllegalStateException("seeded keys would differ from the mock's: " + madeByTheMock);
        }
        for (int i = from; i < to; i++) {
            T item = object.apply(i);
            item.getMetadata().setResourceVersion(created.getMetadata().getResourceVersion());
            item.getMetadata().setUid(UUID.randomUUID().toString());
            dispatcher.getMap().put(key(extractor, collection, json, item), json.asJson(item));
        }
    }

    private static AttributeSet key(KubernetesAttributesExtractor extractor, String collection, KubernetesSerialization json,
            HasMetadata item) {
        String path = collection.contains("%s") ? String.format(collection, item.getMetadata().getNamespace()) : collection;
        return AttributeSet.merge(extractor.fromPath(path + "/" + item.getMetadata().getName()),
                extractor.fromResource(json.asJson(item)));
    }

    private static Node node(int n) {
        return new NodeBuilder().withNewMetadata().withName(nodeName(n)).addToLabels("agentpool", "nodepool1")
                .addToLabels("kubernetes.io/os", "linux").endMetadata().withNewSpec()
                .withProviderID("azure:///subscriptions/0/resourceGroups/mc/vm/" + n).endSpec().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress(ip(n, 0)).endAddress()
                .addNewAddress().withType("Hostname").withAddress(nodeName(n)).endAddress().endStatus().build();
    }

    private static Pod pod(int p, int nodes) {
        return new PodBuilder().withNewMetadata().withNamespace("ns-" + (p % 50)).withName("pod-" + p)
                .addToLabels("app", "app-" + (p % 300)).addToLabels("pod-template-hash", Integer.toHexString(p))
                .endMetadata().withNewSpec().withNodeName(nodeName(p % nodes)).addNewContainer().withName("main")
                .withImage("registry.example.com/app:1." + (p % 10)).endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP(ip(p % nodes, 1 + p / nodes))
                .addNewPodIP().withIp(ip(p % nodes, 1 + p / nodes)).endPodIP().endStatus().build();
    }

    private static String nodeName(int n) {
        return String.format("aks-nodepool1-%05d", n);
    }

    /** Node n's address (host 0) and its pods' (host 1..) in 10.0.0.0/8, as Azure CNI allocates them. */
    private static String ip(int node, int host) {
        int value = (node * 64) + host;
        return "10." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff) + "." + (value & 0xff);
    }
}
