package dev.gitwire.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import dev.gitwire.agent.ClusterWriter;
import dev.gitwire.cluster.DaemonSetRemoval;
import dev.gitwire.cluster.IntentNotice;
import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.cluster.StatusConfigMaps;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.status.StatusBranchTest;
import dev.gitwire.testing.AgentImage;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Shell;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** deploy/ parses strictly, wires the agent as documented, and grants exactly the API calls the agent makes. */
@EnableKubernetesMockClient(crud = true)
class DeployManifestsIT {

    KubernetesClient client;
    KubernetesMockServer server;

    private static Path deploy() {
        return IntentFixtures.examplesRepo().resolveSibling("deploy");
    }

    private List<HasMetadata> manifests() throws Exception {
        Path base = deploy().resolve("base");
        List<HasMetadata> all = new ArrayList<>();
        for (String line : Files.readAllLines(base.resolve("kustomization.yaml"))) {
            if (line.matches("\\s+- [a-z-]+\\.yaml")) {
                all.addAll(client.load(Files.newInputStream(base.resolve(line.strip().substring(2)))).items());
            }
        }
        return all;
    }

    /**
     * Issue 27 point 4: the steps of docs/operations.md, followed literally in a fresh directory: the example overlay
     * copied out of this repo renders with the released base that kustomize fetches from the release's tag (GitHub
     * stood in for by a repository of this tree, tagged as the release, through git's insteadOf); the Argo CD and
     * Flux examples' values render the chart of that tag from a plain copy (no symlink: Flux's source-controller
     * archives none); all three give the same objects.
     */
    @Test
    void theDocumentedStepsRenderTheSameObjectsWithKustomizeArgoCdAndFlux() throws Exception {
        assumeKubectl();
        Path fresh = Files.createTempDirectory("gitwire-install-");
        Path overlay = Files.createDirectories(fresh.resolve("gitops/gitwire"));
        for (Path file : Files.list(deploy().resolve("overlays/example")).toList()) {
            Files.copy(file, overlay.resolve(file.getFileName()));
        }
        Map<String, HasMetadata> kustomize = withoutNamespaceObject(byKindAndName(kustomizeWithReleasedBase(overlay, fresh)));

        Path chart = plainCopy(deploy().resolve("chart"), fresh.resolve("chart"));
        var yaml = new Load(LoadSettings.builder().build());
        Map<String, Object> argo = castMap(yaml.loadFromString(Files.readString(deploy().resolve(
                "examples/argocd-application.yaml"))));
        Map<String, Object> argoSource = nested(argo, "spec", "source");
        assertThat(argoSource).containsEntry("targetRevision", "v" + AgentImage.version()).containsEntry("path", "deploy/chart");
        Map<String, Object> argoValues = nested(argoSource, "helm", "valuesObject");
        List<Map<String, Object>> flux = new ArrayList<>();
        yaml.loadAllFromString(Files.readString(deploy().resolve("examples/flux.yaml"))).forEach(d -> flux.add(castMap(d)));
        assertThat(nested(flux.get(0), "spec", "ref")).containsEntry("tag", "v" + AgentImage.version());
        assertThat(nested(flux.get(1), "spec", "chart", "spec")).containsEntry("chart", "./deploy/chart");
        Map<String, Object> fluxValues = nested(flux.get(1), "spec", "values");
        assertThat(fluxValues).isEqualTo(argoValues);

        Map<String, HasMetadata> helm = byKindAndName(render(chart, argoValues));
        assertThat(helm.keySet()).isEqualTo(kustomize.keySet());
        helm.forEach((key, object) -> assertThat(withoutHelmLabels(object)).as(key).isEqualTo(kustomize.get(key)));
        assertThat(Files.readString(deploy().resolve("overlays/example/kustomization.yaml")))
                .contains("https://github.com/gitwire/gitwire//deploy/base?ref=v" + AgentImage.version() + "\n")
                .doesNotContain("../");
    }

    /** Issue 27 point 5: the chart to the conventions of Cilium's and Calico's, every documented value set. */
    @Test
    void theChartRendersWithEveryDocumentedValueAndRefusesWithoutTheRequiredOnes() throws Exception {
        Path chart = deploy().resolve("chart");
        try (var walk = Files.walk(chart)) {
            assertThat(walk.filter(Files::isSymbolicLink).toList()).as("symlinks in the chart").isEmpty();
        }
        Map<String, Object> meta = yaml(Files.readString(chart.resolve("Chart.yaml")));
        assertThat(meta).containsEntry("kubeVersion", ">=1.30.0-0").containsEntry("version", AgentImage.version())
                .containsEntry("appVersion", AgentImage.version());
        assertThat(chart.resolve("templates/NOTES.txt")).exists();
        assertThat(chart.resolve("values.schema.json")).exists();
        // every value documented: a comment right above each key of values.yaml, or above its block
        List<String> lines = Files.readAllLines(chart.resolve("values.yaml"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("[a-zA-Z]+:.*") && !lines.get(i).endsWith(":")) {
                assertThat(lines.get(i - 1)).as("the comment above %s", lines.get(i)).startsWith("#");
            }
        }

        Map<String, Object> every = yaml("""
                repo: https://git.example.com/mesh.git
                statusRepo: https://git.example.com/status.git
                allowUnsigned: true
                acceptCleanMerges: true
                interval: 1m
                wireguard: kernel
                logFormat: text
                image: {repository: registry.example.com/gitwire, digest: "sha256:%s", pullPolicy: Always}
                imagePullSecrets: [{name: my-registry}]
                nodeSetup: {enabled: false}
                agent:
                  resources: {requests: {cpu: 100m, memory: 300Mi}}
                  nodeSelector: {pool: system}
                  affinity: {}
                  tolerations: [{key: dedicated, operator: Exists}]
                  priorityClassName: gitwire-critical
                  updateStrategy: {type: OnDelete}
                  extraEnv: [{name: GITWIRE_TEARDOWN_GRACE, value: 60s}]
                  extraVolumes: [{name: ca, configMap: {name: corporate-ca}}]
                  extraVolumeMounts: [{name: ca, mountPath: /etc/gitwire/ca}]
                writer: {replicas: 3, priorityClassName: gitwire-critical, tolerations: [{operator: Exists}], extraEnv: [{name: GITWIRE_LOG_FORMAT, value: text}]}
                monitoring: {labels: {release: prom}, podMonitor: {enabled: true}, prometheusRule: {enabled: true}, dashboard: {enabled: true}}
                """.formatted("1".repeat(64)));
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(render(chart, every)
                .getBytes(StandardCharsets.UTF_8))).items();
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("Namespace")
                .contains("PodMonitor", "PrometheusRule").doesNotContain("ValidatingWebhookConfiguration");
        assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getLabels()).as(o.getKind())
                .containsEntry("helm.sh/chart", "gitwire-" + AgentImage.version())
                .containsEntry("app.kubernetes.io/managed-by", "Helm").containsKeys("app.kubernetes.io/instance"));
        assertThat(objects).filteredOn(o -> Set.of("PodMonitor", "PrometheusRule", "ConfigMap").contains(o.getKind())
                && !o.getMetadata().getName().equals("gitwire-trusted-keys"))
                .hasSize(3).allSatisfy(o -> assertThat(o.getMetadata().getLabels()).containsEntry("release", "prom"));
        // kustomize users apply deploy/monitoring/: the same PodMonitor and rules as the chart's
        for (String kind : List.of("PodMonitor", "PrometheusRule")) {
            HasMetadata fromChart = objects.stream().filter(o -> o.getKind().equals(kind)).findFirst().orElseThrow();
            HasMetadata plain = client.load(Files.newInputStream(deploy().resolve("monitoring/" + kind.toLowerCase()
                    + ".yaml"))).items().get(0);
            assertThat(((GenericKubernetesResource) fromChart).getAdditionalProperties())
                    .as(kind).isEqualTo(((GenericKubernetesResource) plain)
                            .getAdditionalProperties());
        }
        DaemonSet daemonSet = (DaemonSet) objects.stream().filter(o -> o instanceof DaemonSet).findFirst().orElseThrow();
        var pod = daemonSet.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getImage()).isEqualTo("registry.example.com/gitwire@sha256:" + "1".repeat(64));
        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("my-registry");
        assertThat(pod.getPriorityClassName()).isEqualTo("gitwire-critical");
        assertThat(pod.getNodeSelector()).containsEntry("pool", "system"); // Helm merges maps with the defaults
        assertThat(daemonSet.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
        assertThat(pod.getContainers().get(0).getEnv()).extracting(e -> e.getName())
                .contains("GITWIRE_TEARDOWN_GRACE", "GITWIRE_ALLOW_UNSIGNED").doesNotContain("GITWIRE_VERIFY_SIGNATURES");
        assertThat(pod.getVolumes()).extracting(v -> v.getName()).contains("ca").doesNotContain("trusted-keys");
        Deployment writer = (Deployment) objects.stream().filter(o -> o instanceof Deployment).findFirst().orElseThrow();
        assertThat(writer.getSpec().getReplicas()).isEqualTo(3);

        Map<String, Object> unsigned = new HashMap<>(Map.of("repo", "https://a", "statusRepo", "https://b"));
        assertThatThrownBy(() -> render(chart, unsigned)).hasMessageContaining("trustedKeys");
        assertThatThrownBy(() -> render(chart, Map.of("statusRepo", "https://b", "allowUnsigned", true)))
                .hasMessageContaining("repo");
    }

    /**
     * The chart rendered by Helm's own engine with {@code values}, as `helm template gitwire -n gitwire-system
     * --kube-version 1.30`: helm-java has no --kube-version and its engine says 1.20, so the copy rendered here
     * leaves out the kubeVersion line (which the test of the chart's conventions checks).
     */
    private static String render(Path chart, Map<String, Object> values) throws Exception {
        Path copy = plainCopy(chart, Files.createTempDirectory("chart-").resolve("gitwire"));
        Files.writeString(copy.resolve("Chart.yaml"), Files.readString(copy.resolve("Chart.yaml"))
                .replaceAll("(?m)^kubeVersion: .*\n", ""));
        chart = copy;
        Path file = Files.createTempFile("values-", ".yaml");
        Files.writeString(file, new Dump(DumpSettings.builder()
                .build()).dumpToString(values));
        return new Helm(chart).template().withName("gitwire").withNamespace("gitwire-system")
                .withValuesFile(file).call();
    }

    /**
     * `kubectl kustomize DIR` where github.com/gitwire/gitwire is a repository of this tree with the release's tag:
     * what kustomize fetches for the overlay's remote base.
     */
    private static String kustomizeWithReleasedBase(Path dir, Path scratch) throws Exception {
        Path tree = plainCopy(deploy(), scratch.resolve("release/deploy")).getParent();
        Shell.run(List.of("git", "-C", tree.toString(), "init", "-q"), null);
        Shell.run(List.of("git", "-C", tree.toString(), "add", "-A"), null);
        Shell.run(List.of("git", "-C", tree.toString(), "-c", "user.name=release", "-c", "user.email=release@example.com",
                "commit", "-q", "-m", "release"), null);
        Shell.run(List.of("git", "-C", tree.toString(), "tag", "v" + AgentImage.version()), null);
        Path config = scratch.resolve("gitconfig");
        Files.writeString(config, "[url \"file://" + tree + "\"]\n\tinsteadOf = https://github.com/gitwire/gitwire\n");
        ProcessBuilder kustomize = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true);
        kustomize.environment().put("GIT_CONFIG_GLOBAL", config.toString());
        Process process = kustomize.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0).as(output).isTrue();
        return output;
    }

    /** A copy of a folder that follows no link and copies none, as an archive of a Git source would hold it. */
    private static Path plainCopy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path path : walk.toList()) {
                assertThat(Files.isSymbolicLink(path)).as("a symlink: %s", path).isFalse();
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        return to;
    }

    /** An object as kustomize builds it from the base: without the labels Helm adds. */
    private static HasMetadata withoutHelmLabels(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        if (labels != null) {
            List.of("helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by")
                    .forEach(labels::remove);
        }
        return object;
    }

    /** The chart leaves the namespace to `--create-namespace` (Helm) or `CreateNamespace=true` (Argo CD, Flux). */
    private static Map<String, HasMetadata> withoutNamespaceObject(Map<String, HasMetadata> objects) {
        objects.keySet().removeIf(key -> key.startsWith("Namespace/"));
        return objects;
    }

    private static Map<String, Object> yaml(String text) {
        return castMap(new Load(LoadSettings.builder().build())
                .loadFromString(text));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object object) {
        return (Map<String, Object>) object;
    }

    private static Map<String, Object> nested(Map<String, Object> map, String... keys) {
        Map<String, Object> at = map;
        for (String key : keys) {
            at = castMap(at.get(key));
        }
        return at;
    }

    private static void assumeKubectl() {
        Assumptions.assumeTrue(Shell.tryRun(List.of("sh", "-c", "command -v kubectl"), null).exitCode() == 0,
                "kubectl is not installed (make test installs it where Debian can)");
    }

    private Map<String, HasMetadata> byKindAndName(String yaml) {
        Map<String, HasMetadata> objects = new TreeMap<>();
        client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()
                .forEach(o -> objects.put(o.getKind() + "/" + o.getMetadata().getName(), o));
        // kustomize moves the env entries a patch sets to the front; the order means nothing here
        objects.values().stream().flatMap(o -> o instanceof DaemonSet d ? d.getSpec().getTemplate().getSpec().getContainers()
                        .stream() : o instanceof Deployment d ? d.getSpec().getTemplate().getSpec().getContainers().stream()
                        : Stream.empty())
                .forEach(c -> c.getEnv().sort(Comparator.comparing(e -> e.getName())));
        return objects;
    }

    @Test
    void everyManifestParsesWithNoUnknownField() throws Exception {
        List<HasMetadata> manifests = manifests();
        assertThat(manifests).extracting(HasMetadata::getKind)
                .containsExactly("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                        "Role", "RoleBinding", "DaemonSet", "ServiceAccount", "Role", "RoleBinding", "Deployment",
                        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
                        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
                        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
        for (HasMetadata manifest : manifests) {
            assertThat(unknownFields(manifest, "", new IdentityHashMap<>())).as(manifest.getKind()).isEmpty();
        }
        for (String example : List.of("secret-git-credentials.example.yaml", "secret-status-git-credentials.example.yaml",
                "configmap-trusted-keys.example.yaml")) {
            HasMetadata template = (HasMetadata) client.getKubernetesSerialization()
                    .unmarshal(Files.readString(deploy().resolve(example)));
            assertThat(unknownFields(template, "", new IdentityHashMap<>())).as(example).isEmpty();
        }
    }

    @Test
    void kubectlKustomizeBuildsEveryResourceIntoTheAgentsNamespaceButTheEventsRole() throws Exception {
        Assumptions.assumeTrue(Shell.tryRun(List.of("sh", "-c", "command -v kubectl"), null).exitCode() == 0,
                "kubectl is not installed (make test installs it where Debian can)");
        Shell.Result built = Shell.tryRun(List.of("kubectl", "kustomize", deploy().toString()), null);
        assertThat(built.exitCode()).as(built.output()).isZero();
        List<HasMetadata> objects = client.load(new ByteArrayInputStream(
                built.output().getBytes(StandardCharsets.UTF_8))).items();
        assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(manifests().stream()
                        .map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
        for (HasMetadata object : objects) {
            boolean clusterScoped = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy",
                    "ValidatingAdmissionPolicyBinding").contains(object.getKind());
            boolean nodeEvents = object.getMetadata().getName().equals("gitwire-events"); // where Node events live
            assertThat(object.getMetadata().getNamespace()).as(object.getKind())
                    .isEqualTo(clusterScoped ? null : nodeEvents ? "default" : "gitwire-system");
            assertThat(unknownFields(object, "", new IdentityHashMap<>())).as(object.getKind()).isEmpty();
        }
    }

    @Test
    void theDaemonSetRunsTheAgentAsDocumented() throws Exception {
        DaemonSet daemonSet = (DaemonSet) manifests().stream().filter(m -> m.getKind().equals("DaemonSet")).findFirst()
                .orElseThrow();
        var pod = daemonSet.getSpec().getTemplate().getSpec();
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getTolerations()).anySatisfy(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
        // issue 28 point 3: tolerating every taint, it must still select Linux nodes that are not virtual-kubelet
        assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
        assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).singleElement().satisfies(term -> assertThat(term.getMatchExpressions())
                        .anySatisfy(e -> {
                            assertThat(e.getKey()).isEqualTo("type");
                            assertThat(e.getOperator()).isEqualTo("NotIn");
                            assertThat(e.getValues()).containsExactly("virtual-kubelet");
                        }));
        var container = pod.getContainers().get(0);
        var security = container.getSecurityContext();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).containsExactly("NET_ADMIN");
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(security.getPrivileged()).isNull();
        // signed intent by default; the statuses published, the branch pushed by the writer alone (issue 26 point 8):
        // no node holds the status push credential
        Map<String, String> env = new HashMap<>();
        container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env).containsEntry("GITWIRE_VERIFY_SIGNATURES", "true").containsKeys("GITWIRE_TRUSTED_KEYS",
                "GITWIRE_STATUS_BRANCH").containsEntry("GITWIRE_STATUS_WRITER", "separate")
                .doesNotContainKeys("GITWIRE_STATUS_GIT_TOKEN_FILE", "GITWIRE_STATUS_REPO");
        assertThat(pod.getVolumes()).noneMatch(v -> v.getSecret() != null
                && v.getSecret().getSecretName().equals("gitwire-status-git"));
        Deployment writer = (Deployment) manifests().stream().filter(m -> m.getKind().equals("Deployment")).findFirst()
                .orElseThrow();
        var writerPod = writer.getSpec().getTemplate().getSpec();
        assertThat(writerPod.getServiceAccountName()).isEqualTo("gitwire-writer");
        assertThat(writerPod.getVolumes()).anyMatch(v -> v.getSecret() != null
                && v.getSecret().getSecretName().equals("gitwire-status-git"));
        Map<String, String> writerEnv = new HashMap<>();
        writerPod.getContainers().get(0).getEnv().forEach(e -> writerEnv.put(e.getName(), e.getValue()));
        assertThat(writerPod.getContainers().get(0).getArgs()).containsExactly("writer");
        assertThat(writerEnv).containsKeys("GITWIRE_STATUS_GIT_TOKEN_FILE", "GITWIRE_STATUS_REPO", "GITWIRE_STATUS_BRANCH");
        assertThat(writerEnv.get("GITWIRE_STATUS_REPO")).isNotEqualTo(writerEnv.get("GITWIRE_REPO"));
        assertThat(writerPod.getContainers().get(0).getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(writerPod.getSecurityContext().getRunAsNonRoot()).isTrue();
        // /metrics for Prometheus on the node's address; the variable it uses is defined before it
        List<String> names = container.getEnv().stream().map(e -> e.getName()).toList();
        assertThat(env).containsEntry("GITWIRE_METRICS_ADDRESS", "$(GITWIRE_NODE_IP):9825");
        assertThat(names.indexOf("GITWIRE_NODE_IP")).isNotNegative().isLessThan(names.indexOf("GITWIRE_METRICS_ADDRESS"));
        assertThat(container.getEnv().get(names.indexOf("GITWIRE_NODE_IP")).getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("status.hostIP");
        assertThat(container.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("metrics");
            assertThat(p.getContainerPort()).isEqualTo(9825);
        });
        assertThat(pod.getVolumes()).anySatisfy(v -> {
            assertThat(v.getConfigMap()).isNotNull();
            assertThat(v.getConfigMap().getName()).isEqualTo("gitwire-trusted-keys");
            assertThat(v.getConfigMap().getOptional()).isNull();
        });
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("GITWIRE_NODE");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(container.getEnv()).allSatisfy(e -> assertThat(e.getName()).startsWith("GITWIRE_"));
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(container.getVolumeMounts()).extracting(m -> m.getMountPath())
                .contains("/var/lib/gitwire", "/var/run/wireguard", "/tmp");
    }

    @Test
    void theClusterRoleGrantsExactlyTheCallsTheAgentMakes() throws Exception {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata().build()).create();
        for (int i = server.getRequestCount(); i > 0; i--) {
            server.takeRequest(1, TimeUnit.SECONDS); // the set-up's own calls are not the agent's
        }
        int before = server.getRequestCount();
        try (KubernetesCluster cluster = new KubernetesCluster(client, "node-a", () -> { })) {
            cluster.start();
            assertThat(cluster.awaitSynced(Duration.ofSeconds(10))).isTrue();
            cluster.publishKey(PrivateKey.generate(new SecureRandom()).publicKey());
            cluster.snapshot();
            cluster.warn("node-b", "GitwireClaimRefused", "a claim");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client.v1().events().inNamespace("default").list().getItems().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        Set<String> used = new TreeSet<>();
        for (int i = 0; i < server.getRequestCount() - before; i++) {
            RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
            if (request == null) {
                break;
            }
            String path = request.getPath();
            String resource = path.startsWith("/api/v1/pods") ? "pods" : path.startsWith("/api/v1/nodes") ? "nodes"
                    : path.startsWith("/api/v1/namespaces/default/events") && request.getMethod().equals("POST") ? "events"
                    : null;
            if (resource == null) {
                continue; // the test's own set-up calls
            }
            String verb = switch (request.getMethod()) {
                case "PATCH" -> "patch";
                case "POST" -> "create";
                case "GET" -> path.contains("watch=true") ? "watch" : path.matches("/api/v1/nodes/[^/?]+.*") ? "get" : "list";
                default -> request.getMethod().toLowerCase(Locale.ROOT);
            };
            used.add(resource + ":" + verb);
        }
        ClusterRole role = (ClusterRole) manifests().stream().filter(m -> m.getKind().equals("ClusterRole")).findFirst()
                .orElseThrow();
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getApiGroups()).containsExactly("");
            rule.getResources().forEach(r -> rule.getVerbs().forEach(v -> granted.add(r + ":" + v)));
        }
        // Events only where the agent records them (issue 26 point 7: the ClusterRole created them in every namespace)
        granted.addAll(granted(role("default")));
        assertThat(granted).isEqualTo(used).containsExactlyInAnyOrder("pods:list", "pods:watch", "nodes:get",
                "nodes:list", "nodes:watch", "nodes:patch", "events:create");
        assertThat(role.getRules()).noneMatch(r -> r.getResources().contains("events"));
    }

    /**
     * In the agents' namespace, the agents' calls and the writer's, each against its own Role: an agent publishes its
     * status (a merge patch once it exists: without the verb, every node's status after its first stays out of Git on
     * a real API server; the mock enforces no RBAC, this test does) and follows the announcement; the writer lists
     * the statuses, stands for the Lease (by name) and announces the intent (by name).
     */
    @Test
    void eachRoleGrantsExactlyTheCallsOfItsProcess() throws Exception {
        String namespace = "gitwire-system";
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        drain();
        StatusConfigMaps statuses = new StatusConfigMaps(client, namespace);
        statuses.publish(StatusBranchTest.status("node-a", key, "main@sha1:" + "ab".repeat(20), 1), 1);
        statuses.publish(StatusBranchTest.status("node-a", key, "main@sha1:" + "cd".repeat(20), 2), 1);
        try (IntentNotice notice = new IntentNotice(client, namespace)) {
            notice.start(() -> { });
            Thread.sleep(500);
        }
        Set<String> called = new TreeSet<>(drain());
        // at SIGTERM: its own pod, and the DaemonSet that owns it (made here first: those calls are not the agent's)
        client.apps().daemonSets().inNamespace(namespace).resource(new DaemonSetBuilder()
                .withNewMetadata().withName("gitwire").endMetadata().build()).create();
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata()
                .withName("gitwire-x7k2p").addNewOwnerReference().withKind("DaemonSet").withName("gitwire")
                .withApiVersion("apps/v1").withUid("u").endOwnerReference().endMetadata().build()).create();
        Thread.sleep(300);
        drain();
        assertThat(DaemonSetRemoval.owner(client, namespace, "gitwire-x7k2p")).contains("gitwire");
        assertThat(DaemonSetRemoval.of(client, namespace, "gitwire"))
                .isEqualTo(DaemonSetRemoval.Verdict.PRESENT);
        Thread.sleep(300); // the mock records a request after answering it
        called.addAll(drain());
        assertThat(granted(role(namespace))).as("the agent's Role, against what the agent called").isEqualTo(called);

        try (GitServer git = new GitServer(Files.createTempDirectory("gitwire-role-test"))) {
            String url = git.create("status");
            GitRemote remote = new GitRemote(url, Files.createTempDirectory("gitwire-role-test-writer"), GitAccess.anonymous());
            ClusterWriter writer = new ClusterWriter(client, namespace, "writer-0",
                    new StatusBranch(remote, GitAccess.anonymous(), "gitwire/status"), Duration.ofMillis(200));
            writer.start(() -> { }, (event, message) -> { }, (event, message) -> { });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Shell.tryRun(List.of("git", "-C", git.path("status").toString(), "show",
                    "gitwire/status:nodes/node-a.yaml"), null).exitCode() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(writer.leading()).isTrue();
            writer.fetched("main@sha1:" + "ab".repeat(20));
            writer.fetched("main@sha1:" + "cd".repeat(20));
            writer.close();
            remote.close();
        }
        Role writerRole = (Role) manifests().stream().filter(m -> m.getKind().equals("Role"))
                .filter(m -> m.getMetadata().getName().equals("gitwire-writer")).findFirst().orElseThrow();
        assertThat(granted(writerRole)).as("the writer's Role, against what the writer called").isEqualTo(drain())
                .contains("leases:get@gitwire-writer", "leases:patch@gitwire-writer", "configmaps:patch@gitwire-intent");
    }

    /**
     * The calls made in the agents' namespace since the last drain, as resource:verb, and resource:verb@name for a
     * call on the Lease or the announcement by name (as the Roles grant those).
     */
    private Set<String> drain() throws InterruptedException {
        Set<String> used = new TreeSet<>();
        for (RecordedRequest request = server.takeRequest(0, TimeUnit.SECONDS); request != null;
                request = server.takeRequest(0, TimeUnit.SECONDS)) {
            Matcher call = Pattern.compile(
                    "/api(?:s/coordination\\.k8s\\.io|s/apps)?/v1/namespaces/gitwire-system/(configmaps|leases|pods|daemonsets)"
                    + "(/[^/?]+)?.*")
                    .matcher(request.getPath());
            if (!call.matches()) {
                continue;
            }
            String verb = switch (request.getMethod()) {
                case "PATCH" -> "patch";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "GET" -> request.getPath().contains("watch=true") ? "watch" : call.group(2) != null ? "get" : "list";
                default -> request.getMethod().toLowerCase(Locale.ROOT);
            };
            String name = call.group(2) == null ? "" : call.group(2).substring(1);
            boolean named = name.equals("gitwire-writer") || name.equals("gitwire-intent") && !verb.equals("watch");
            used.add(call.group(1) + ":" + verb + (named && !verb.equals("list") ? "@" + name : ""));
        }
        return used;
    }

    /** The agents' Role in {@code namespace}. */
    private Role role(String namespace) throws Exception {
        return manifests().stream().filter(m -> m.getKind().equals("Role"))
                .filter(m -> m.getMetadata().getNamespace().equals(namespace))
                .filter(m -> !m.getMetadata().getName().equals("gitwire-writer")).map(Role.class::cast).findFirst()
                .orElseThrow();
    }

    /** A Role's grants as resource:verb, and resource:verb@name where it names its objects. */
    private static Set<String> granted(Role role) {
        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            List<String> names = rule.getResourceNames() == null ? List.of() : rule.getResourceNames();
            rule.getResources().forEach(r -> rule.getVerbs().forEach(v -> {
                if (names.isEmpty()) {
                    granted.add(r + ":" + v);
                } else {
                    names.forEach(n -> granted.add(r + ":" + v + "@" + n));
                }
            }));
        }
        return granted;
    }

    /** Paths of fields that fabric8 put in an additionalProperties map: fields its model does not know. */
    private static List<String> unknownFields(Object object, String path, Map<Object, Boolean> seen) throws Exception {
        List<String> unknown = new ArrayList<>();
        if (object == null || seen.put(object, true) != null || !object.getClass().getName().startsWith("io.fabric8")) {
            return unknown;
        }
        for (Method getter : object.getClass().getMethods()) {
            if (!getter.getName().startsWith("get") || getter.getParameterCount() != 0
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = getter.invoke(object);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> map && !map.isEmpty()) {
                    map.keySet().forEach(k -> unknown.add(path + "." + k));
                }
            } else if (value instanceof Collection<?> items) {
                for (Object item : items) {
                    unknown.addAll(unknownFields(item, path + "." + getter.getName().substring(3), seen));
                }
            } else {
                unknown.addAll(unknownFields(value, path + "." + getter.getName().substring(3), seen));
            }
        }
        return unknown;
    }
}
