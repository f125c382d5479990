package dev.gitwire.cluster;

import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusCodec;
import dev.gitwire.status.StatusDestination;
import dev.gitwire.status.StatusRejectedException;
import dev.gitwire.status.StatusUnavailableException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Node statuses in the Kubernetes API (with Kubernetes, instead of a push per node to the status branch): each
 * node writes one ConfigMap of its own, {@code gitwire-status-<node>}, holding the very file it would commit;
 * the elected writer follows them ({@link StatusWatch}) and folds what changed into the branch. The admission
 * policy in deploy/ lets a node's credentials write only its own.
 */
public final class StatusConfigMaps implements StatusDestination {

    public static final String PREFIX = "gitwire-status-";
    public static final String ROLE_LABEL = "gitwire.dev/role";
    public static final String ROLE = "node-status";
    public static final String KEY = "status.yaml";
    /** How long a node trusts its memory of what it wrote (someone may have deleted the object). */
    private static final Duration RECHECK_UNCHANGED = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final String namespace;
    private Optional<String> written = Optional.empty();
    private long writtenAtNanos;

    public StatusConfigMaps(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    public static String name(String node) {
        return PREFIX + node;
    }

    @Override
    public Published publish(NodeStatus status, int clusterSize) throws StatusUnavailableException {
        String text = StatusCodec.write(status);
        if (written.filter(text::equals).isPresent() && System.nanoTime() - writtenAtNanos < RECHECK_UNCHANGED.toNanos()) {
            return new Published(false, "", 0);
        }
        ConfigMap object = new ConfigMapBuilder().withNewMetadata().withName(name(status.name())).withNamespace(namespace)
                .addToLabels(ROLE_LABEL, ROLE).endMetadata().addToData(KEY, text).build();
        try {
            write(client, namespace, object);
            written = Optional.of(text);
            writtenAtNanos = System.nanoTime();
            return new Published(true, status.name() + ": " + status.phase() + " on "
                    + status.observedRevision().orElse("nothing") + ", in ConfigMap " + namespace + "/"
                    + name(status.name()), 1);
        } catch (KubernetesClientException e) {
            throw new StatusUnavailableException("status of " + status.name() + " not written to the Kubernetes API: "
                    + e.getMessage(), e);
        }
    }

    /**
     * What {@code node} reported last, from its own ConfigMap, which the admission policy lets no other node write:
     * the anti-rewind floor of a node that forgot what it applied. Empty when it has none (a new node); throws when
     * it cannot be read, or does not read as that node's status.
     */
    public Optional<NodeStatus> own(String node) throws StatusUnavailableException {
        ConfigMap object;
        try {
            object = client.configMaps().inNamespace(namespace).withName(name(node)).get();
        } catch (KubernetesClientException e) {
            throw new StatusUnavailableException("ConfigMap " + namespace + "/" + name(node) + " not read: "
                    + e.getMessage(), e);
        }
        if (object == null) {
            return Optional.empty();
        }
        List<String> why = new ArrayList<>();
        Optional<NodeStatus> status = read(object, namespace, why).filter(s -> s.name().equals(node));
        if (status.isEmpty()) {
            throw new StatusUnavailableException(why.isEmpty() ? "ConfigMap " + namespace + "/" + name(node)
                    + " is not this node's status" : String.join("; ", why), null);
        }
        return status;
    }

    /** Writes a ConfigMap in one request once it exists (a merge patch), creating it the first time. */
    static void write(KubernetesClient client, String namespace, ConfigMap object) {
        try {
            client.configMaps().inNamespace(namespace).withName(object.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), object);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            client.configMaps().inNamespace(namespace).resource(object).create();
        }
    }

    /**
     * The node status an object holds, if it counts: only under the name of the node its status names. Why it
     * does not count goes to {@code ignored}.
     */
    static Optional<NodeStatus> read(ConfigMap object, String namespace, List<String> ignored) {
        String name = object.getMetadata().getName();
        String file = "ConfigMap " + namespace + "/" + name;
        Optional<String> text = Optional.ofNullable(object.getData()).map(d -> d.get(KEY));
        if (text.isEmpty()) {
            ignored.add(file + ": no " + KEY + "; ignored");
            return Optional.empty();
        }
        Optional<NodeStatus> status;
        try {
            status = Optional.of(StatusCodec.read(file + " " + KEY, text.get()));
        } catch (StatusRejectedException e) {
            ignored.add(e.getMessage() + "; ignored");
            return Optional.empty();
        }
        if (!name.equals(name(status.get().name()))) {
            ignored.add(file + ": names node " + status.get().name()
                    + ", whose status lives in " + name(status.get().name()) + "; ignored");
            return Optional.empty();
        }
        return status;
    }
}
