package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What gitwire reads of a node: its labels (for the node selector), its internal addresses, its pod CIDRs,
 * its provider (AKS or not) and the public keys it published (WireGuard's; ML-KEM's with post-quantum keys, 1.6 KB);
 * none of the other annotations, which on a real node can be kilobytes.
 */
record LeanNode(String name, String resourceVersion, Map<String, String> labels, List<String> internalAddresses,
        List<String> podCidrs, Optional<String> providerId, Optional<String> publishedKey,
        Optional<String> publishedPqKey) {

    static LeanNode of(Node node) {
        var spec = node.getSpec();
        var status = node.getStatus();
        List<String> internal = status == null || status.getAddresses() == null ? List.of()
                : status.getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                        .map(NodeAddress::getAddress).toList();
        Map<String, String> annotations = node.getMetadata().getAnnotations();
        return new LeanNode(node.getMetadata().getName(), node.getMetadata().getResourceVersion(),
                Map.copyOf(Optional.ofNullable(node.getMetadata().getLabels()).orElse(Map.of())), internal,
                spec == null || spec.getPodCIDRs() == null ? List.of() : List.copyOf(spec.getPodCIDRs()),
                Optional.ofNullable(spec == null ? null : spec.getProviderID()),
                Optional.ofNullable(annotations == null ? null : annotations.get(KubernetesCluster.KEY_ANNOTATION)),
                Optional.ofNullable(annotations == null ? null : annotations.get(KubernetesCluster.PQ_KEY_ANNOTATION)));
    }

    private Map<String, String> annotations() {
        Map<String, String> annotations = new HashMap<>();
        publishedKey.ifPresent(k -> annotations.put(KubernetesCluster.KEY_ANNOTATION, k));
        publishedPqKey.ifPresent(k -> annotations.put(KubernetesCluster.PQ_KEY_ANNOTATION, k));
        return annotations;
    }

    Node toNode() {
        return new NodeBuilder().withNewMetadata().withName(name).withResourceVersion(resourceVersion)
                .withLabels(labels)
                .withAnnotations(annotations())
                .endMetadata()
                .withNewSpec().withPodCIDRs(podCidrs).withProviderID(providerId.orElse(null)).endSpec()
                .withNewStatus().withAddresses(internalAddresses.stream()
                        .map(a -> new NodeAddressBuilder().withType("InternalIP").withAddress(a).build()).toList())
                .endStatus()
                .build();
    }
}
