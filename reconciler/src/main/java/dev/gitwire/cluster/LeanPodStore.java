package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The pod informer's store, holding of each pod only what gitwire reads, in a small record with its
 * repeated strings (namespaces, node names, phases) shared: a large cluster's pods then cost tens of
 * bytes each instead of kilobytes. The informer gets minimal Pods back when it asks.
 */
final class LeanPodStore implements ItemStore<Pod> {

    /** One pod, reduced. */
    record LeanPod(String namespace, String name, String resourceVersion, String node, boolean hostNetwork,
            String phase, String[] ips) {}

    private final Map<String, LeanPod> pods = new ConcurrentHashMap<>();
    private final Map<String, String> shared = new ConcurrentHashMap<>();

    Stream<LeanPod> lean() {
        return pods.values().stream();
    }

    @Override
    public String getKey(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    @Override
    public Pod put(String key, Pod pod) {
        LeanPod previous = pods.put(key, reduce(pod));
        return previous == null ? null : expand(previous);
    }

    @Override
    public Pod remove(String key) {
        LeanPod previous = pods.remove(key);
        return previous == null ? null : expand(previous);
    }

    @Override
    public Stream<String> keySet() {
        return pods.keySet().stream();
    }

    @Override
    public Stream<Pod> values() {
        return pods.values().stream().map(LeanPodStore::expand);
    }

    @Override
    public int size() {
        return pods.size();
    }

    @Override
    public Pod get(String key) {
        LeanPod pod = pods.get(key);
        return pod == null ? null : expand(pod);
    }

    @Override
    public boolean isFullState() {
        return false;
    }

    private LeanPod reduce(Pod pod) {
        var spec = pod.getSpec();
        var status = pod.getStatus();
        List<PodIP> podIps = status == null ? null : status.getPodIPs();
        String[] ips;
        if (podIps != null && !podIps.isEmpty()) {
            ips = podIps.stream().map(PodIP::getIp).toArray(String[]::new);
        } else {
            ips = status == null || status.getPodIP() == null ? new String[0] : new String[] {status.getPodIP()};
        }
        return new LeanPod(share(pod.getMetadata().getNamespace()), pod.getMetadata().getName(),
                pod.getMetadata().getResourceVersion(), share(spec == null ? null : spec.getNodeName()),
                spec != null && Boolean.TRUE.equals(spec.getHostNetwork()), share(status == null ? null : status.getPhase()),
                ips);
    }

    private String share(String text) {
        return text == null ? null : shared.computeIfAbsent(text, t -> t);
    }

    static Pod expand(LeanPod pod) {
        return new PodBuilder().withNewMetadata().withNamespace(pod.namespace()).withName(pod.name())
                .withResourceVersion(pod.resourceVersion()).endMetadata()
                .withNewSpec().withNodeName(pod.node()).withHostNetwork(pod.hostNetwork()).endSpec()
                .withNewStatus().withPhase(pod.phase()).withPodIP(pod.ips().length == 0 ? null : pod.ips()[0])
                .endStatus().build();
    }
}
