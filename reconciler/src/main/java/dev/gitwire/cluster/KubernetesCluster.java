package dev.gitwire.cluster;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.LiveNode;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.pq.PqPublicKey;
import dev.gitwire.schedule.Backoff;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The live cluster from the Kubernetes API: informers on Pods (all namespaces) and Nodes, each in a
 * {@link LeanStore} that keeps only the fields gitwire reads, so that 150,000 pods fit in little memory
 * (63 MB measured). Every change calls
 * back (the agent coalesces them into reconciles); the informers re-list and re-watch by themselves
 * after an outage while the last known state keeps serving. The node's public key is published as the
 * annotation {@value #KEY_ANNOTATION} on its own Node and put back when someone changes it.
 * An API server that is down when the agent starts is waited for, with backoff, on a thread of its own:
 * until the first list has arrived the cluster is not {@link #synced()}, and the agent changes nothing
 * (an empty cluster would read as "every node gone").
 */
public final class KubernetesCluster implements AutoCloseable {

    public static final String KEY_ANNOTATION = "gitwire.dev/public-key";
    /** With post-quantum pre-shared keys: the node's ML-KEM-768 public key (issue 31). */
    public static final String PQ_KEY_ANNOTATION = "gitwire.dev/pq-public-key";
    private static final Set<String> FINISHED = Set.of("Succeeded", "Failed");

    private final KubernetesClient client;
    private final ExecutorService events = new ThreadPoolExecutor(1, 1, 0,
            TimeUnit.SECONDS, new ArrayBlockingQueue<>(100), r -> {
                Thread thread = new Thread(r, "gitwire-kubernetes-events");
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.DiscardPolicy());
    private final String ownNode;
    private final Runnable onChange;
    private volatile SharedIndexInformer<Pod> pods;
    private volatile SharedIndexInformer<Node> nodes;
    private final LeanStore<Pod, LeanPod> podStore;
    private final LeanStore<Node, LeanNode> nodeStore = new LeanStore<>(LeanNode::of, LeanNode::toNode);
    /** The annotations this node publishes on its own Node, by name: its keys. */
    private volatile Map<String, String> published = Map.of();
    private final CountDownLatch synced = new CountDownLatch(1);
    private volatile String waiting;
    private volatile boolean closed;
    private Thread starter;
    /** An API server back after an outage meets its nodes' agents spread over a fifth of each wait. */
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);

    public KubernetesCluster(KubernetesClient client, String ownNode, Runnable onChange) {
        this.client = client;
        this.ownNode = ownNode;
        this.onChange = onChange;
        SharedStrings shared = new SharedStrings();
        this.podStore = new LeanStore<>(pod -> LeanPod.of(pod, shared), LeanPod::toPod);
        this.waiting = "the first list from the Kubernetes API at " + client.getMasterUrl() + " has not arrived yet";
    }

    /**
     * Starts the informers on a thread of their own, which retries with backoff until their first list has
     * arrived; returns at once. Then the key is published, and a change is signalled.
     */
    public void start() {
        starter = new Thread(this::startUntilSynced, "gitwire-kubernetes-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** Waits up to {@code timeout} for the first list; whether it arrived. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean synced() {
        return synced.getCount() == 0;
    }

    /** Why the cluster is not synced yet: the last error from the API server. */
    public String waitingFor() {
        return waiting;
    }

    private void startUntilSynced() {
        Backoff.Retries retries = BACKOFF.retries(new Random());
        while (!closed) {
            SharedIndexInformer<Pod> podInformer = client.pods().inAnyNamespace().runnableInformer(0);
            podInformer.itemStore(podStore);
            podInformer.addEventHandler(changes(pod -> { }));
            SharedIndexInformer<Node> nodeInformer = client.nodes().runnableInformer(0);
            nodeInformer.itemStore(nodeStore);
            nodeInformer.addEventHandler(changes(this::heal));
            try {
                podInformer.start().toCompletableFuture().join();
                nodeInformer.start().toCompletableFuture().join();
                pods = podInformer;
                nodes = nodeInformer;
                synchronized (this) { // a key published meanwhile is written here, or by publish, never neither
                    if (!published.isEmpty()) {
                        write();
                    }
                    synced.countDown();
                }
                onChange.run();
                return;
            } catch (RuntimeException e) { // the API server is down or refuses: an informer that failed stops
                podInformer.close();
                nodeInformer.close();
                waiting = "the Kubernetes API at " + client.getMasterUrl() + " did not answer: " + rootMessage(e)
                        + "; retrying with backoff, at most every " + BACKOFF.last().toSeconds() + " s";
            }
            try {
                Thread.sleep(retries.next().toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    /** The cluster as the stores hold it now. */
    public LiveCluster snapshot() {
        Map<String, List<IpAddress>> workloads = new HashMap<>();
        podStore.lean().forEach(pod -> {
            if (pod.node() == null || pod.hostNetwork() || FINISHED.contains(pod.phase())) {
                return; // host-network pods share the node's address; finished pods hold none
            }
            workloads.computeIfAbsent(pod.node(), n -> new ArrayList<>())
                    .addAll(parsed(Arrays.asList(pod.ips()), IpAddress::parse));
        });
        Map<String, LiveNode> live = new TreeMap<>();
        nodeStore.lean().forEach(node -> live.put(node.name(), new LiveNode(node.name(), node.labels(),
                parsed(node.internalAddresses(), IpAddress::parse), workloads.getOrDefault(node.name(), List.of()),
                parsed(node.podCidrs(), Cidr::parse), node.publishedKey().flatMap(KubernetesCluster::key),
                node.providerId())));
        return new LiveCluster(live);
    }

    /** Publishes this node's key on its Node object, and keeps it there; once synced, if the API is away now. */
    public void publishKey(PublicKey key) {
        publish(KEY_ANNOTATION, key.base64());
    }

    /** Publishes this node's ML-KEM public key, as {@link #publishKey}. */
    public void publishPqKey(PqPublicKey key) {
        publish(PQ_KEY_ANNOTATION, key.base64());
    }

    /** Written once: a call with what is published already writes nothing; one the API refused is written again. */
    private synchronized void publish(String annotation, String value) {
        if (value.equals(published.get(annotation))) {
            return;
        }
        Map<String, String> next = new HashMap<>(published);
        next.put(annotation, value);
        if (synced()) {
            write(next);
        } // else written by the starter once the API answers
        published = Map.copyOf(next);
    }

    private void write() {
        write(published);
    }

    private void write(Map<String, String> keys) {
        client.nodes().withName(ownNode).edit(node -> {
            Map<String, String> annotations = new HashMap<>(Optional.ofNullable(node.getMetadata().getAnnotations())
                    .orElse(Map.of()));
            annotations.putAll(keys);
            node.getMetadata().setAnnotations(annotations);
            return node;
        });
    }

    /** The ML-KEM public keys the nodes published; a damaged one is none. */
    public Map<String, PqPublicKey> pqKeys() {
        Map<String, PqPublicKey> keys = new HashMap<>();
        nodeStore.lean().forEach(node -> node.publishedPqKey().ifPresent(text -> {
            try {
                keys.put(node.name(), PqPublicKey.parse(text));
            } catch (IllegalArgumentException e) {
                // a damaged annotation is no key
            }
        }));
        return keys;
    }

    /**
     * Records a Warning Event on Node {@code node} (in namespace default, where node events live), on a
     * thread of its own: an API that is slow or down delays no reconcile; what does not fit the queue is
     * dropped, as the log, the metric and the status say it too.
     */
    public void warn(String node, String reason, String message) {
        Instant now = Instant.now();
        Event event = new EventBuilder().withNewMetadata().withGenerateName(node + ".gitwire-").withNamespace("default")
                .endMetadata().withNewInvolvedObject().withKind("Node").withApiVersion("v1").withName(node)
                .endInvolvedObject().withType("Warning").withReason(reason)
                .withMessage(message.length() > 1024 ? message.substring(0, 1024) : message)
                .withNewSource().withComponent("gitwire").withHost(ownNode).endSource()
                .withReportingComponent("gitwire.dev/agent").withReportingInstance(ownNode)
                .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1).build();
        events.execute(() -> {
            try {
                client.v1().events().inNamespace("default").resource(event).create();
            } catch (RuntimeException e) {
                // the API is away: the event is lost, the report stands in the log, metric and status
            }
        });
    }

    private void heal(Node node) {
        Map<String, String> keys = published;
        Map<String, String> annotations = Optional.ofNullable(node.getMetadata().getAnnotations()).orElse(Map.of());
        if (node.getMetadata().getName().equals(ownNode)
                && keys.entrySet().stream().anyMatch(k -> !k.getValue().equals(annotations.get(k.getKey())))) {
            synchronized (this) {
                write();
            }
        }
    }

    private <T> ResourceEventHandler<T> changes(Consumer<T> also) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                also.accept(object);
                onChange.run();
            }

            @Override
            public void onUpdate(T before, T after) {
                also.accept(after);
                onChange.run();
            }

            @Override
            public void onDelete(T object, boolean unknownFinalState) {
                onChange.run();
            }
        };
    }

    /** The values that parse; one that does not (a typo on an object) is skipped rather than stop the mesh. */
    private static <T> List<T> parsed(List<String> values, Function<String, T> parse) {
        List<T> result = new ArrayList<>();
        for (String value : values) {
            try {
                result.add(parse.apply(value));
            } catch (IllegalArgumentException e) {
                // not an address or a CIDR
            }
        }
        return result;
    }

    private static Optional<PublicKey> key(String annotation) {
        try {
            return Optional.of(PublicKey.parse(annotation));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a damaged annotation is no key
        }
    }

    @Override
    public void close() {
        closed = true;
        events.shutdown();
        if (starter != null) {
            starter.interrupt();
        }
        if (pods != null) {
            pods.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }
}
