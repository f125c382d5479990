package dev.gitwire.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * Whether the agent is stopped because its DaemonSet is being removed (helm uninstall, an Argo CD or Flux prune,
 * kubectl delete) rather than rolled or its node drained: asked once, at SIGTERM. Only an answer that says so counts:
 * the DaemonSet gone, or marked for deletion, or this agent's own credentials gone with it (its ServiceAccount
 * deleted); an API that does not answer, or any other refusal, says nothing, and the dataplane stays as it is. Which
 * DaemonSet is the agent's is asked at its start, from its pod's owner: at SIGTERM the pod may already be gone.
 */
public final class DaemonSetRemoval {

    /** What the API said of the agent's DaemonSet. */
    public enum Verdict {
        /** Deleted, being deleted, or the agent's credentials deleted with it: leave the node as gitwire found it. */
        REMOVED,
        /** There, not being deleted: a restart, an upgrade, a drain; keep the dataplane for the next agent. */
        PRESENT,
        /** No answer that says either: keep the dataplane. */
        UNKNOWN
    }

    private DaemonSetRemoval() {}

    /** The DaemonSet that owns the pod {@code podName} (the agent's own), asked while the pod surely exists. */
    public static Optional<String> owner(KubernetesClient client, String namespace, String podName) {
        try {
            Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
            return pod == null ? Optional.empty() : pod.getMetadata().getOwnerReferences().stream()
                    .filter(o -> "DaemonSet".equals(o.getKind())).map(o -> o.getName()).findFirst();
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
    }

    /** What the API says of the agent's DaemonSet {@code daemonSet}. */
    public static Verdict of(KubernetesClient client, String namespace, String daemonSet) {
        try {
            DaemonSet found = client.apps().daemonSets().inNamespace(namespace).withName(daemonSet).get();
            if (found == null) {
                return Verdict.REMOVED;
            }
            return found.getMetadata().getDeletionTimestamp() != null ? Verdict.REMOVED : Verdict.PRESENT;
        } catch (KubernetesClientException e) {
            // 401: the token's ServiceAccount is gone, as uninstall deletes it; a 403 may be an RBAC change: unknown
            return e.getCode() == 401 ? Verdict.REMOVED : Verdict.UNKNOWN;
        }
    }
}
