package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import java.util.List;

/** What gitwire reads of a pod: where it runs, whether it has its own addresses, and which. */
record LeanPod(String namespace, String name, String resourceVersion, String node, boolean hostNetwork, String phase,
        String[] ips) {

    static LeanPod of(Pod pod, SharedStrings shared) {
        var spec = pod.getSpec();
        var status = pod.getStatus();
        List<PodIP> podIps = status == null ? null : status.getPodIPs();
        String[] ips;
        if (podIps != null && !podIps.isEmpty()) {
            ips = podIps.stream().map(PodIP::getIp).toArray(String[]::new);
        } else {
            ips = status == null || status.getPodIP() == null ? new String[0] : new String[] {status.getPodIP()};
        }
        return new LeanPod(shared.share(pod.getMetadata().getNamespace()), pod.getMetadata().getName(),
                pod.getMetadata().getResourceVersion(), shared.share(spec == null ? null : spec.getNodeName()),
                spec != null && Boolean.TRUE.equals(spec.getHostNetwork()),
                shared.share(status == null ? null : status.getPhase()), ips);
    }

    Pod toPod() {
        return new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name)
                .withResourceVersion(resourceVersion).endMetadata()
                .withNewSpec().withNodeName(node).withHostNetwork(hostNetwork).endSpec()
                .withNewStatus().withPhase(phase).withPodIP(ips.length == 0 ? null : ips[0]).endStatus().build();
    }
}
