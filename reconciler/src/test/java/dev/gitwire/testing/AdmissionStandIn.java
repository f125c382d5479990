package dev.gitwire.testing;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.dsl.ReturnOrWebsocketable;
import io.fabric8.mockwebserver.dsl.TimesOnceableOrHttpHeaderable;

/**
 * What a Kubernetes 1.30+ API server with deploy/'s ValidatingAdmissionPolicies answers the agent's admission
 * probes (dry runs of writes the policies refuse): the mock API evaluates no admission policy, so a test that runs
 * an agent against it says, with this, that the policies are in force. The policies' CEL is not evaluated here.
 */
public final class AdmissionStandIn {

    private AdmissionStandIn() {}

    public static void policiesInForce(KubernetesMockServer server, String namespace, String... nodes) {
        refuse(server.expect().post().withPath("/api/v1/namespaces/" + namespace + "/configmaps?dryRun=All"),
                "gitwire-own-status");
        refuse(server.expect().post().withPath("/apis/coordination.k8s.io/v1/namespaces/" + namespace
                + "/leases?dryRun=All"), "gitwire-writer-lease");
        for (String node : nodes) {
            refuse(server.expect().patch().withPath("/api/v1/nodes/" + node + "?dryRun=All"),
                    "gitwire-own-node-annotations");
        }
    }

    private static void refuse(ReturnOrWebsocketable<
            TimesOnceableOrHttpHeaderable<Void>> request, String policy) {
        request.andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid").withMessage("ValidatingAdmissionPolicy '"
                + policy + "' with binding '" + policy + "' denied request").build()).always();
    }
}
