package dev.gitwire.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.gitwire.testing.IntentFixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Issue 28 point 7: the CEL of the admission policies, evaluated by cel-java as the API server evaluates it (match
 * conditions, then the variables, then every validation) on the requests an agent makes and on those a compromised
 * agent would: its own node's annotation passes; another node's, a label, the spec, another node's status object and
 * another holder of the writer's Lease are refused; and so in any namespace the agents are installed in.
 * fabric8's mock API server evaluates no admission policy: this is where they are shown to work.
 */
class AdmissionPoliciesCelTest {

    private static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("request", SimpleType.DYN).addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN)
            .addVar("variables", SimpleType.DYN)
            .build();

    /** One ValidatingAdmissionPolicy: its match conditions, variables and validations, as CEL text. */
    private record Policy(String name, List<String> matchConditions, Map<String, String> variables,
            List<String> validations) {

        /** Whether the API server admits the request: not matched, or every validation true. */
        boolean admits(Map<String, Object> request, Object object, Object oldObject) throws Exception {
            Map<String, Object> input = new HashMap<>();
            input.put("request", request);
            input.put("object", object);
            input.put("oldObject", oldObject);
            input.put("variables", Map.of());
            for (String condition : matchConditions) {
                if (!Boolean.TRUE.equals(eval(condition, input))) {
                    return true;
                }
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, String> variable : variables.entrySet()) {
                input.put("variables", Map.copyOf(values));
                values.put(variable.getKey(), eval(variable.getValue(), input));
            }
            input.put("variables", values);
            for (String validation : validations) {
                if (!Boolean.TRUE.equals(eval(validation, input))) {
                    return false;
                }
            }
            return true;
        }

        private static Object eval(String expression, Map<String, Object> input) throws Exception {
            return CEL.createProgram(CEL.compile(expression).getAst()).eval(input);
        }
    }

    private static Map<String, Policy> policies() throws Exception {
        String text = Files.readString(IntentFixtures.examplesRepo().resolveSibling("deploy")
                .resolve("base/validatingadmissionpolicy.yaml"));
        Map<String, Policy> policies = new HashMap<>();
        for (Object document : new Load(LoadSettings.builder()
                .build()).loadAllFromString(text)) {
            Map<String, Object> object = map(document);
            if (!"ValidatingAdmissionPolicy".equals(object.get("kind"))) {
                continue;
            }
            Map<String, Object> spec = map(object.get("spec"));
            Map<String, String> variables = new LinkedHashMap<>();
            list(spec.get("variables")).forEach(v -> variables.put((String) map(v).get("name"),
                    (String) map(v).get("expression")));
            String name = (String) map(object.get("metadata")).get("name");
            policies.put(name, new Policy(name,
                    list(spec.get("matchConditions")).stream().map(c -> (String) map(c).get("expression")).toList(),
                    variables, list(spec.get("validations")).stream().map(c -> (String) map(c).get("expression")).toList()));
        }
        assertThat(policies).containsOnlyKeys("gitwire-own-node-annotations", "gitwire-own-status", "gitwire-writer-lease");
        return policies;
    }

    /** A request of the agent's service account in {@code namespace}, with the token bound to {@code node}. */
    private static Map<String, Object> agentOn(String namespace, String node) {
        return Map.of("userInfo", Map.of("username", "system:serviceaccount:" + namespace + ":gitwire",
                "extra", Map.of(NODE_NAME, List.of(node))));
    }

    private static Map<String, Object> node(String name, Map<String, String> annotations, Map<String, String> labels,
            Map<String, Object> spec) {
        return Map.of("metadata", Map.of("name", name, "annotations", annotations, "labels", labels), "spec", spec);
    }

    @ParameterizedTest(name = "the agents in {0}")
    @ValueSource(strings = {"gitwire-system", "kube-network"}) // the default, and a kustomize namespace: override
    void anAgentChangesItsOwnNodesKeyAndNothingOfAnotherNodeWhateverItsNamespace(String namespace) throws Exception {
        Policy annotations = policies().get("gitwire-own-node-annotations");
        Map<String, String> labels = Map.of("kubernetes.io/os", "linux");
        Map<String, Object> spec = Map.of("podCIDR", "10.244.1.0/24");
        Map<String, Object> before = node("node-a", Map.of("kubeadm.alpha/x", "1"), labels, spec);
        Map<String, Object> keyed = node("node-a", Map.of("kubeadm.alpha/x", "1", "gitwire.dev/public-key", "K="), labels,
                spec);

        assertThat(annotations.admits(agentOn(namespace, "node-a"), keyed, before)).as("its own key").isTrue();
        assertThat(annotations.admits(agentOn(namespace, "node-c"), keyed, before)).as("another node's key").isFalse();
        assertThat(annotations.admits(agentOn(namespace, "node-a"), node("node-a", Map.of("kubeadm.alpha/x", "2"), labels,
                spec), before)).as("another annotation").isFalse();
        assertThat(annotations.admits(agentOn(namespace, "node-a"), node("node-a", Map.of("kubeadm.alpha/x", "1"),
                Map.of("kubernetes.io/os", "linux", "type", "virtual-kubelet"), spec), before)).as("a label").isFalse();
        assertThat(annotations.admits(agentOn(namespace, "node-a"), node("node-a", Map.of("kubeadm.alpha/x", "1"), labels,
                Map.of("podCIDR", "10.244.1.0/24", "unschedulable", true)), before)).as("the spec").isFalse();
        Map<String, Object> someoneElse = Map.of("userInfo", Map.of("username", "system:serviceaccount:" + namespace
                + ":cluster-autoscaler", "extra", Map.of()));
        assertThat(annotations.admits(someoneElse, node("node-a", Map.of(), Map.of(), spec), before))
                .as("another service account is not the policy's business").isTrue();
    }

    @ParameterizedTest(name = "the agents in {0}")
    @ValueSource(strings = {"gitwire-system", "kube-network"})
    void anAgentWritesItsOwnStatusObjectOnly(String namespace) throws Exception {
        Policy status = policies().get("gitwire-own-status");
        Map<String, Object> own = Map.of("metadata", Map.of("name", "gitwire-status-node-a"));
        assertThat(status.admits(agentOn(namespace, "node-a"), own, null)).isTrue();
        assertThat(status.admits(agentOn(namespace, "node-b"), own, null)).as("another node's status").isFalse();
        assertThat(status.admits(agentOn(namespace, "node-a"), Map.of("metadata", Map.of("name", "gitwire-trusted-keys")),
                null)).as("the trusted keys").isFalse();
    }

    @ParameterizedTest(name = "the agents in {0}")
    @ValueSource(strings = {"gitwire-system", "kube-network"})
    void anAgentHoldsTheWritersLeaseOnlyAsItselfAndForAMinute(String namespace) throws Exception {
        Policy lease = policies().get("gitwire-writer-lease");
        BiFunction<String, Long, Map<String, Object>> held = (holder, seconds) -> Map.of(
                "metadata", Map.of("name", "gitwire-writer"),
                "spec", Map.of("holderIdentity", holder, "leaseDurationSeconds", seconds));
        assertThat(lease.admits(agentOn(namespace, "node-a"), held.apply("node-a", 15L), null)).isTrue();
        assertThat(lease.admits(agentOn(namespace, "node-a"), held.apply("node-b", 15L), null)).as("another holder")
                .isFalse();
        assertThat(lease.admits(agentOn(namespace, "node-a"), held.apply("node-a", 3600L), null)).as("an hour").isFalse();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static List<Object> list(Object value) {
        return value == null ? List.of() : new ArrayList<>((List<?>) value);
    }
}
