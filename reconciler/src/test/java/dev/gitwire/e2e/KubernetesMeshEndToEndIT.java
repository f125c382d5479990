package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.Mode;
import dev.gitwire.testing.AdmissionStandIn;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Scenario (i): two nodes whose inventory lists only their addresses; the pods, and the nodes' public
 * keys, come from the Kubernetes API (fabric8's mock server, relayed onto the testbed's bridge), and the
 * agents follow it live.
 */
@Privileged
@EnableKubernetesMockClient(crud = true)
class KubernetesMeshEndToEndIT {

    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void podsAndKeysFromTheKubernetesApiMakeTheMesh() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 2);
            runAgents(bed, Testbed.mesh(true, false, Mode.OPPORTUNISTIC));
            String podB2 = b.podAddress(2);
            assertThat(Testbed.eventually(30_000, () -> tableOf(a).contains(podB2 + " dev gitwire0")))
                    .as("node-a routes node-b's pods from the API through the tunnel:%n%s", bed.log(a)).isTrue();
            for (Node node : bed.nodes()) {
                assertThat(client.nodes().withName(node.name()).get().getMetadata().getAnnotations())
                        .containsEntry(KubernetesCluster.KEY_ANNOTATION, node.key().publicKey().base64());
            }
            assertThat(tableOf(a)).as("the API server stays out of the tunnel")
                    .contains("throw " + Testbed.SERVICES_ADDRESS);

            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
            assertThat(Testbed.routesIntoTunnel(a, b, 20_000) && Testbed.routesIntoTunnel(b, a, 20_000)).isTrue();
            Path capture = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping",
                    "-c", "4", "-i", "0.2", b.podAddress(1)));
            assertThat(Testbed.count(capture, "udp port 51820")).isGreaterThanOrEqualTo(8);
            assertThat(Testbed.count(capture, "icmp")).isZero();

            client.pods().inNamespace("apps").withName(podName(podB2)).delete();
            assertThat(Testbed.eventually(10_000, () -> !tableOf(a).contains(podB2 + " ")))
                    .as("a deleted pod leaves node-a's table").isTrue();
            // the route goes first, the allowed IP after it in the same apply (docs/reference/kernel.md): wait for the second step
            assertThat(Testbed.eventually(10_000, () -> !a.host().run("wg", "show", "gitwire0", "allowed-ips")
                    .contains(podB2 + "/32"))).as("a deleted pod leaves node-b's allowed IPs on node-a").isTrue();
            assertThat(a.host().run("wg", "show", "gitwire0", "allowed-ips")).doesNotContain(podB2 + "/32")
                    .contains(b.podAddress(1) + "/32");
        }
    }

    /**
     * Issue 26, points 1 and 2: node-c (compromised: its kubelet and ServiceAccount, no agent) publishes node-b's
     * key as its own, then reports a pod with node-b's pod IP. On main, node-a then refused both nodes, and sent
     * node-b's pods plaintext (Opportunistic mode threw them; the contested IP had no route at all). Node-b held
     * both (node-a's device shows it): node-b keeps them, node-c is refused and its destinations dropped.
     */
    @Test
    void aCompromisedNodeTakesNoTrafficOfAnotherNodeOutOfTheTunnel() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            createNode("node-c", "10.240.0.30");
            claimPod("node-c", "c-own", "10.240.0.31");
            MeshIntent mesh = Testbed.mesh(true, false, Mode.OPPORTUNISTIC);
            runAgents(bed, new MeshIntent(mesh.name(), true, mesh.mode(), mesh.routeSource(), mesh.hostEncryption(),
                    Membership.CLUSTER, mesh.nodeSelector(), mesh.bypass(), mesh.workloadNetworks(),
                    mesh.workloadInterfaces(), mesh.wireguard(), mesh.routing())); // node-c is a member too
            assertThat(Testbed.routesIntoTunnel(a, b, 30_000) && Testbed.routesIntoTunnel(b, a, 30_000))
                    .as("the mesh:%n%s", bed.log(a)).isTrue();
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
            assertThat(tableOf(a)).contains("throw 10.240.0.31"); // node-c, without WireGuard, in plaintext

            client.nodes().withName("node-c").edit(n -> new NodeBuilder(n).editMetadata()
                    .addToAnnotations(KubernetesCluster.KEY_ANNOTATION, b.key().publicKey().base64()).endMetadata().build());
            assertThat(Testbed.eventually(20_000, () -> tableOf(a).contains("prohibit 10.240.0.31")))
                    .as("node-c, which publishes node-b's key, is refused and its pod dropped:%n%s", bed.log(a)).isTrue();
            assertEncrypted(bed, a, b);

            claimPod("node-c", "c-claims-b", b.podAddress(1));
            assertThat(Testbed.eventually(20_000, () -> bed.log(a).contains(b.podAddress(1) + "/32 of node node-c")))
                    .as("the contested pod IP is refused to node-c:%n%s", bed.log(a)).isTrue();
            assertEncrypted(bed, a, b);
        }
    }

    /**
     * Issue 26 point 3: a hostile DNS answer for the API server's name that also names node-b's pod. On main every
     * address of the answer became a throw route (the agent keeps its own servers out of the tunnel), and node-b's
     * pod left node-a in plaintext. An address of the answer that is another node's destination is not bypassed.
     */
    @Test
    void aHostileDnsAnswerTakesNoDestinationOutOfTheTunnel() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            String api = "api.cluster.test";
            for (Node node : bed.nodes()) { // node-a's resolver answers with node-b's pod too
                Path hosts = Files.writeString(bed.root().resolve("hosts-" + node.name()), "127.0.0.1 localhost\n"
                        + Testbed.SERVICES_ADDRESS + " " + api + "\n" + (node == a ? b.podAddress(1) + " " + api + "\n" : ""));
                node.host().run("mount", "--bind", hosts.toString(), "/etc/hosts");
            }
            runAgents(bed, Testbed.mesh(true, false, Mode.OPPORTUNISTIC), api);
            assertThat(Testbed.routesIntoTunnel(a, b, 30_000) && Testbed.routesIntoTunnel(b, a, 30_000))
                    .as("the mesh:%n%s", bed.log(a)).isTrue();
            assertThat(tableOf(a)).contains("throw " + Testbed.SERVICES_ADDRESS).doesNotContain("throw " + b.podAddress(1));
            assertThat(bed.log(a)).contains("the control-plane address " + b.podAddress(1) + "/32");
            assertEncrypted(bed, a, b);
        }
    }

    /** Node-b's pod is reached from node-a's, and nothing of it is on the bridge in plaintext. */
    private static void assertEncrypted(Testbed bed, Node a, Node b) throws Exception {
        assertThat(tableOf(a)).as(bed.log(a)).contains(b.podAddress(1) + " dev gitwire0");
        Path capture = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                "ping", "-c", "4", "-i", "0.2", "-W", "1", b.podAddress(1)), null));
        assertThat(Testbed.count(capture, "icmp and host " + b.podAddress(1))).isZero();
        assertThat(Testbed.count(capture, "udp port 51820")).isGreaterThanOrEqualTo(8);
    }

    /** The bed's nodes and their pods in the API, the intent of {@code mesh} (pods from the API), an agent on each. */
    private void runAgents(Testbed bed, MeshIntent mesh) throws Exception {
        runAgents(bed, mesh, Testbed.SERVICES_ADDRESS);
    }

    /**
     * Issue 28 point 6: an agent stopped because its DaemonSet is being removed (helm uninstall, an Argo CD or Flux
     * prune) leaves its node as gitwire found it, as `enabled: false` would; one stopped for a restart (its
     * DaemonSet still there) leaves the dataplane to the next agent. Without this, an uninstall left every node
     * frozen with its tunnels, routes and guard, new pods in no peer's allowed IPs.
     */
    @Test
    void anAgentStoppedByItsDaemonSetsRemovalLeavesTheNodeAsItFoundIt() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            client.apps().daemonSets().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.apps
                    .DaemonSetBuilder().withNewMetadata().withName("gitwire").endMetadata().build()).create();
            for (Node node : bed.nodes()) {
                client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("gitwire-"
                        + node.name()).addNewOwnerReference().withApiVersion("apps/v1").withKind("DaemonSet")
                        .withName("gitwire").withUid("ds-uid").endOwnerReference().endMetadata().build()).create();
            }
            Map<String, Process> agents = runAgents(bed, Testbed.mesh(true, false, Mode.STRICT), Testbed.SERVICES_ADDRESS,
                    node -> List.of("--pod-name", "gitwire-" + node.name()));
            assertThat(Testbed.routesIntoTunnel(a, b, 30_000) && Testbed.routesIntoTunnel(b, a, 30_000))
                    .as("%s%n%s", bed.log(a), bed.log(b)).isTrue();

            agents.get("node-a").destroy(); // SIGTERM, the DaemonSet still there: a restart
            assertThat(agents.get("node-a").waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(a.host().namespace().ip("link", "show")).contains(Testbed.DEVICE);
            assertThat(tableOf(a)).contains(b.podAddress(1) + " dev " + Testbed.DEVICE);
            assertThat(bed.log(a)).doesNotContain("uninstall");
            agents.put("node-a", startAgent(bed, a, List.of("--pod-name", "gitwire-node-a")));
            assertThat(Testbed.eventually(30_000, () -> Testbed.agentHttp(a, "GET", "/readyz").endsWith("200"))).isTrue();

            client.apps().daemonSets().inNamespace("default").withName("gitwire").delete(); // helm uninstall
            agents.values().forEach(Process::destroy);
            for (Process agent : agents.values()) {
                assertThat(agent.waitFor(40, TimeUnit.SECONDS)).isTrue();
            }
            for (Node node : bed.nodes()) {
                var ns = node.host().namespace();
                assertThat(bed.log(node)).contains("uninstall: the DaemonSet is being removed: everything gitwire put in"
                        + " this node's kernel is removed");
                assertThat(ns.ip("link", "show")).doesNotContain(Testbed.DEVICE);
                assertThat(ns.ip("rule", "show")).doesNotContain("lookup 51820");
                assertThat(tableOf(node)).isBlank();
                assertThat(ns.exec("nft", "list", "tables")).doesNotContain("gitwire");
            }
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 10)).as("plain again").isTrue();
        }
    }

    /** The same, the agents reaching the API server by the name {@code apiHost}. */
    private void runAgents(Testbed bed, MeshIntent mesh, String apiHost) throws Exception {
        runAgents(bed, mesh, apiHost, node -> List.of());
    }

    private Path kubeconfig;
    private Path repo;

    /** The same, each agent with {@code flags} of its own besides; the agents by node name. */
    private Map<String, Process> runAgents(Testbed bed, MeshIntent mesh, String apiHost,
            Function<Node, List<String>> flags) throws Exception {
        for (Node node : bed.nodes()) {
            createNode(node.name(), node.address());
            for (String pod : node.pods()) {
                createPod(node, pod);
            }
        }
        AdmissionStandIn.policiesInForce(server, "default",
                bed.nodes().stream().map(Node::name).toArray(String[]::new));
        kubeconfig = bed.kubernetesApi(URI.create(client.getMasterUrl().toString()));
        Files.writeString(kubeconfig, Files.readString(kubeconfig).replace("://" + Testbed.SERVICES_ADDRESS + ":",
                "://" + apiHost + ":"));
        repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")), mesh, Set.of(),
                Testbed.Inventory.KUBERNETES);
        Map<String, Process> agents = new HashMap<>();
        for (Node node : bed.nodes()) {
            agents.put(node.name(), startAgent(bed, node, flags.apply(node)));
        }
        return agents;
    }

    private Process startAgent(Testbed bed, Node node, List<String> flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--allow-unsigned", "--repo", repo.toString(),
                "--node", node.name(), "--state-dir", node.stateDir().toString(), "--kubeconfig", kubeconfig.toString()));
        args.addAll(flags);
        return bed.startGitwire(node, args.toArray(String[]::new));
    }

    private void createNode(String name, String address) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(address).endAddress()
                .endStatus().build()).create();
    }

    /** A running pod on {@code node} that reports {@code address} as its IP: what a node's kubelet may write. */
    private void claimPod(String node, String name, String address) {
        client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).endSpec().withNewStatus().withPhase("Running")
                .withPodIP(address).endStatus().build()).create();
    }

    private void createPod(Node node, String address) {
        claimPod(node.name(), podName(address), address);
    }

    private static String podName(String address) {
        return "pod-" + address.replace('.', '-');
    }

    /** gitwire's table on a node; empty until the table exists. */
    private static String tableOf(Node node) {
        return Shell.tryRun(List.of("ip", "-n", node.host().namespace().name(), "route", "show", "table", "51820"), null)
                .output();
    }

}
