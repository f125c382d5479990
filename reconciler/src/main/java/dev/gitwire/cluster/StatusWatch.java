package dev.gitwire.cluster;

import dev.gitwire.status.StatusFile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The nodes' status ConfigMaps as the leading writer follows them: listed once, then watched, so that a fold of
 * 20,000 nodes neither lists 20,000 objects from the API server nor parses them again; each version of an object
 * is read once. Only the leader runs one. {@link #files} is called by one thread at a time (the fold's).
 */
public final class StatusWatch implements AutoCloseable {

    private final String namespace;
    private final SharedIndexInformer<ConfigMap> informer;
    private final long startedNanos = System.nanoTime();
    private Map<String, Version> versions = new HashMap<>();

    /** One object as it was read: its version, and its status file or why it was ignored. */
    private record Version(String resourceVersion, Optional<StatusFile> file, Optional<String> ignored) {}

    private StatusWatch(String namespace, SharedIndexInformer<ConfigMap> informer) {
        this.namespace = namespace;
        this.informer = informer;
    }

    /** Starts listing and watching the status objects of {@code namespace}; returns before the first list. */
    public static StatusWatch start(KubernetesClient client, String namespace) {
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(namespace)
                .withLabel(StatusConfigMaps.ROLE_LABEL, StatusConfigMaps.ROLE).runnableInformer(0);
        informer.start();
        return new StatusWatch(namespace, informer);
    }

    /** Whether the first list arrived: before it, an empty set of statuses would be no news but a gap. */
    public boolean synced() {
        return informer.hasSynced();
    }

    /** How long ago it started. */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Every node's status file, as the API holds it now; the objects that do not count go to {@code ignored}. */
    public List<StatusFile> files(List<String> ignored) {
        Map<String, Version> seen = new HashMap<>();
        List<StatusFile> files = new ArrayList<>();
        for (ConfigMap object : informer.getStore().list()) {
            String name = object.getMetadata().getName();
            String resourceVersion = String.valueOf(object.getMetadata().getResourceVersion());
            Version version = versions.get(name);
            if (version == null || !version.resourceVersion().equals(resourceVersion)) {
                List<String> why = new ArrayList<>(1);
                version = new Version(resourceVersion, StatusConfigMaps.read(object, namespace, why).map(StatusFile::of),
                        why.stream().findFirst());
            }
            seen.put(name, version);
            version.file().ifPresent(files::add);
            version.ignored().ifPresent(ignored::add);
        }
        versions = seen;
        return files;
    }

    @Override
    public void close() {
        informer.stop();
    }
}
