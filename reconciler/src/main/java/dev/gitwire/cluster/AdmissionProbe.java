package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the ValidatingAdmissionPolicies that narrow an agent's writes are in force. RBAC alone lets every node
 * patch any Node, write any ConfigMap of its namespace (the trusted keys among them) and hold the writer's Lease
 * under any name: the policies narrow each to the node's own. Each is probed with a server-side dry run of a
 * write it must refuse; one that goes through means that policy is missing (Kubernetes before 1.30, or the policy
 * not synced yet). Nothing is written: a dry run is checked by admission and then dropped.
 */
public final class AdmissionProbe {

    /** The name of what the probes would write, if a policy let them. */
    public static final String PROBE = "gitwire-admission-probe";

    private AdmissionProbe() {}

    /** A write that one policy must refuse. */
    private interface Write {
        void run();
    }

    /**
     * The policies whose probe went through, by name; empty when each probed write was refused. Throws when the
     * API gave another answer (unreachable, say): the check is then still to be made.
     */
    public static List<String> missing(KubernetesClient client, String namespace, String node) {
        List<String> missing = new ArrayList<>();
        probe(missing, "gitwire-own-status", () -> client.configMaps().inNamespace(namespace)
                .resource(new ConfigMapBuilder().withNewMetadata().withName(PROBE).endMetadata().build()).dryRun().create());
        probe(missing, "gitwire-own-node-annotations", () -> client.nodes().withName(node).dryRun()
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"gitwire.dev/" + PROBE + "\":\"1\"}}}"));
        probe(missing, "gitwire-writer-lease", () -> client.leases().inNamespace(namespace)
                .resource(new LeaseBuilder().withNewMetadata().withName(PROBE).endMetadata().withNewSpec()
                        .withHolderIdentity(PROBE).withLeaseDurationSeconds(3600).endSpec().build()).dryRun().create());
        return missing;
    }

    private static void probe(List<String> missing, String policy, Write write) {
        try {
            write.run();
            missing.add(policy);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403 && e.getCode() != 422) { // refused, by admission or by RBAC: either is fine
                throw e;
            }
        }
    }
}
