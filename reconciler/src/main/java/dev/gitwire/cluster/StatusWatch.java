package dev.gitwire.cluster;

import dev.gitwire.status.StatusFile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The nodes' status ConfigMaps as the leading writer follows them: listed once, then watched, so that a fold of
 * 20,000 nodes neither lists 20,000 objects from the API server nor parses them again. Each version of an object
 * is read once, as it arrives, and kept as what the fold needs (its status file, or why it does not count), not
 * as the object. Only the leader runs one.
 */
public final class StatusWatch implements AutoCloseable {

    private final SharedIndexInformer<ConfigMap> informer;
    private final LeanStore<ConfigMap, Read> store;
    private final long startedNanos = System.nanoTime();

    /** One version of an object as it was read: its status file, or why it does not count. */
    private record Read(String name, String namespace, String resourceVersion, Optional<StatusFile> file,
            Optional<String> ignored) {

        static Read of(ConfigMap object) {
            String namespace = object.getMetadata().getNamespace();
            List<String> why = new ArrayList<>(1);
            Optional<StatusFile> file = StatusConfigMaps.read(object, namespace, why).map(StatusFile::of);
            return new Read(object.getMetadata().getName(), namespace, object.getMetadata().getResourceVersion(), file,
                    why.stream().findFirst());
        }

        /** The object as the informer needs it back (the "before" of an update or a delete). */
        ConfigMap toConfigMap() {
            return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                    .withResourceVersion(resourceVersion).endMetadata()
                    .withData(file.map(f -> Map.of(StatusConfigMaps.KEY, f.text())).orElse(Map.of())).build();
        }
    }

    private StatusWatch(SharedIndexInformer<ConfigMap> informer, LeanStore<ConfigMap, Read> store) {
        this.informer = informer;
        this.store = store;
    }

    /** Starts listing and watching the status objects of {@code namespace}; returns before the first list. */
    public static StatusWatch start(KubernetesClient client, String namespace) {
        LeanStore<ConfigMap, Read> store = new LeanStore<>(Read::of, Read::toConfigMap);
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(namespace)
                .withLabel(StatusConfigMaps.ROLE_LABEL, StatusConfigMaps.ROLE).runnableInformer(0);
        informer.itemStore(store);
        informer.start();
        return new StatusWatch(informer, store);
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
        List<StatusFile> files = new ArrayList<>();
        store.lean().forEach(read -> {
            read.file().ifPresent(files::add);
            read.ignored().ifPresent(ignored::add);
        });
        return files;
    }

    @Override
    public void close() {
        informer.stop();
    }
}
