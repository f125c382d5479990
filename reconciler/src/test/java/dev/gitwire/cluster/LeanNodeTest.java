package dev.gitwire.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the node informer's store keeps of a Node: what gitwire reads, and none of the rest. */
class LeanNodeTest {

    @Test
    void theNodeStoreKeepsWhatGitwireReadsAndNoOtherAnnotation() {
        Node full = new NodeBuilder().withNewMetadata().withName("node-c").withResourceVersion("7")
                .withLabels(Map.of("agentpool", "nodepool1"))
                .withAnnotations(Map.of(KubernetesCluster.KEY_ANNOTATION, "k", "csi.volume.kubernetes.io/nodeid", "x".repeat(4096)))
                .endMetadata().withNewSpec().withProviderID("azure:///c").withPodCIDRs("10.244.2.0/24").endSpec()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("10.240.0.5").endAddress()
                .addNewAddress().withType("Hostname").withAddress("node-c").endAddress().endStatus().build();

        Node kept = LeanNode.of(full).toNode();

        assertThat(kept.getMetadata().getAnnotations()).containsOnlyKeys(KubernetesCluster.KEY_ANNOTATION);
        assertThat(kept.getMetadata().getLabels()).isEqualTo(Map.of("agentpool", "nodepool1"));
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(kept.getSpec().getProviderID()).isEqualTo("azure:///c");
        assertThat(kept.getSpec().getPodCIDRs()).containsExactly("10.244.2.0/24");
        assertThat(kept.getStatus().getAddresses()).extracting(a -> a.getType() + " " + a.getAddress())
                .containsExactly("InternalIP 10.240.0.5");
    }
}
