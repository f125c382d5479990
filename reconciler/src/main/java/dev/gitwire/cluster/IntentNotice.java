package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Optional;

/**
 * The intent revision the elected writer fetched and verified last, in the ConfigMap {@value #NAME}: the other
 * agents fetch the intent when it changes (and on a long fallback poll), so that the Git host's load does not
 * grow with the cluster. A hint only: every agent still fetches and verifies the revision itself, so whoever
 * can write this object can make agents fetch, or wait for their fallback poll, never apply anything else.
 */
public final class IntentNotice implements AutoCloseable {

    public static final String NAME = "gitwire-intent";
    public static final String KEY = "revision";

    private final KubernetesClient client;
    private final String namespace;
    private volatile Optional<String> announced = Optional.empty();
    private volatile SharedIndexInformer<ConfigMap> informer;

    public IntentNotice(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Watches the object from now on; {@code onChange} runs when the announced revision changes. */
    public void start(Runnable onChange) {
        informer = client.configMaps().inNamespace(namespace).withName(NAME).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap object) {
                seen(object, onChange);
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap object) {
                seen(object, onChange);
            }

            @Override
            public void onDelete(ConfigMap object, boolean unknown) {
                announced = Optional.empty();
            }
        });
    }

    private void seen(ConfigMap object, Runnable onChange) {
        Optional<String> revision = Optional.ofNullable(object.getData()).map(d -> d.get(KEY));
        if (!revision.equals(announced)) {
            announced = revision;
            onChange.run();
        }
    }

    /** The revision announced last, if any. */
    public Optional<String> announced() {
        return announced;
    }

    /**
     * Announces {@code revision} (the writer, after it fetched and verified it); unchanged, nothing is written.
     * Throws when the API refuses: the agents then fetch on their fallback poll, slower, never wrong.
     */
    public void announce(String revision) {
        if (announced.filter(revision::equals).isPresent()) {
            return;
        }
        ConfigMap object = new ConfigMapBuilder().withNewMetadata().withName(NAME).withNamespace(namespace).endMetadata()
                .addToData(KEY, revision).build();
        StatusConfigMaps.write(client, namespace, object);
        announced = Optional.of(revision);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
