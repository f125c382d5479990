package dev.gitwire.bench;

import dev.gitwire.intent.Mode;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.testing.AdmissionStandIn;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import dev.gitwire.testing.WireguardGoHost;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The pod path (issue 30 point 9): a pod added on node-b, as the Kubernetes API reports it, until node-a's running
 * agent has routed its IP into the tunnel (the route is the last step of the change: the allowed IP goes first).
 * Timed from the API's answer to the create to the route's netlink notification in node-a's namespace. Beside it, in
 * the same run, the shell tools a person would type for the same change on a wireguard-go device ({@code wg set} the
 * peer's allowed IPs, {@code ip route add}). Needs root; the agents run from the build's classes (the testbed's
 * launcher) against fabric8's mock API, relayed onto the testbed's bridge.
 */
public final class PodEventBenchmark {

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int rounds = args.integer(0, 20);
        Map<ServerRequest, Queue<ServerResponse>> expected = new HashMap<>(); // the admission policies' dry runs
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), expected,
                new KubernetesMixedDispatcher(expected), false);
        api.init();
        long[] agent = new long[rounds];
        long[] tools = new long[rounds];
        try (KubernetesClient client = api.createClient(); Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            for (Node node : bed.nodes()) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node.name()).endMetadata()
                        .withNewStatus().addNewAddress().withType("InternalIP").withAddress(node.address()).endAddress()
                        .endStatus().build()).create();
                for (String pod : node.pods()) {
                    pod(client, node.name(), pod);
                }
            }
            AdmissionStandIn.policiesInForce(api, "default", "node-a", "node-b");
            Path kubeconfig = bed.kubernetesApi(URI.create(client.getMasterUrl().toString()));
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of(), Testbed.Inventory.KUBERNETES);
            for (Node node : bed.nodes()) {
                bed.startGitwire(node, "run", "--allow-unsigned", "--repo", repo.toString(), "--node", node.name(),
                        "--state-dir", node.stateDir().toString(), "--kubeconfig", kubeconfig.toString());
            }
            if (!(Testbed.routesIntoTunnel(a, b, 60_000) && Testbed.routesIntoTunnel(b, a, 60_000))) {
                throw new IllegalStateException("the mesh did not converge:\n" + bed.log(a));
            }
            for (int round = 0; round < rounds; round++) {
                String address = podAddress(round);
                agent[round] = untilRouted(a, address, () -> pod(client, "node-b", address));
                Thread.sleep(300); // a quiet spell between pods, as a scheduler's usual pace
            }
            tools = toolsRounds(rounds);
        } finally {
            api.destroy();
        }
        long agentMedian = median(agent);
        long toolsMedian = median(tools);
        System.out.printf(Locale.ROOT, "pod path, rounds %d: running agent, API event to route %s ms (median %d);"
                + " shell tools (wg set, ip route add) %s ms (median %d); ratio %.2f (agent/tools)%n", rounds,
                Arrays.toString(agent), agentMedian, Arrays.toString(tools), toolsMedian,
                (double) agentMedian / Math.max(1, toolsMedian));
    }

    /** Pod IPs on node-b beside its first, skipping the testbed's node addresses (multiples of ten). */
    private static String podAddress(int round) {
        int octet = 101 + round + round / 9;
        return "10.240.0." + octet;
    }

    private static void pod(KubernetesClient client, String node, String address) {
        client.pods().inNamespace("apps").resource(new PodBuilder().withNewMetadata()
                .withName("pod-" + address.replace('.', '-')).endMetadata().withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase("Running").withPodIP(address).endStatus().build()).create();
    }

    /** Milliseconds from {@code change} returning to node-a's kernel announcing a route to {@code address}. */
    private static long untilRouted(Node node, String address, Runnable change) throws Exception {
        Process monitor = new ProcessBuilder("ip", "-n", node.host().namespace().name(), "monitor", "route")
                .redirectErrorStream(true).start();
        BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(monitor.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith(address + " dev ") && line.contains("table 51820")) {
                        seen.add(System.nanoTime());
                    }
                }
            } catch (IOException e) {
                // the monitor was stopped
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(100); // the monitor subscribed before the change
        try {
            change.run();
            long asked = System.nanoTime();
            Long routed = seen.poll(10, TimeUnit.SECONDS);
            if (routed == null) {
                throw new IllegalStateException("no route to " + address + " within 10 s");
            }
            return (routed - asked) / 1_000_000;
        } finally {
            monitor.destroy();
        }
    }

    /** The same change by hand on a wireguard-go device with one peer: its allowed IPs set again, then the route. */
    private static long[] toolsRounds(int rounds) throws Exception {
        long[] ms = new long[rounds];
        try (WireguardGoHost host = new WireguardGoHost()) {
            host.startWireguardGo("wg0");
            SecureRandom random = new SecureRandom();
            Path key = Files.createTempFile("gitwire-bench", ".key");
            Files.writeString(key, PrivateKey.generate(random).base64() + "\n");
            String peer = PrivateKey.generate(random).publicKey().base64();
            host.run("wg", "set", "wg0", "private-key", key.toString(), "peer", peer, "allowed-ips", "10.240.0.21/32");
            host.run("ip", "link", "set", "wg0", "up");
            Files.delete(key);
            List<String> allowed = new ArrayList<>(List.of("10.240.0.21/32"));
            Path output = Files.createTempFile("gitwire-bench", ".out");
            for (int round = 0; round < rounds; round++) {
                String address = podAddress(round);
                allowed.add(address + "/32");
                List<String> command = new ArrayList<>(host.inside());
                command.addAll(List.of("sh", "-c", "wg set wg0 peer " + peer + " allowed-ips " + String.join(",", allowed)
                        + " && ip route add " + address + "/32 dev wg0 table 51820"));
                ms[round] = ApplyBenchmark.timed(command, output, "");
            }
            Files.delete(output);
        }
        return ms;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
