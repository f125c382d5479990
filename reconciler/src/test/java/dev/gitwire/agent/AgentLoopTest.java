package dev.gitwire.agent;

import static dev.gitwire.testing.Testbed.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.dataplane.SimulatedDataplane;
import dev.gitwire.dataplane.SimulatedDataplane.Path;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.plan.Operation;
import dev.gitwire.statedir.KeyFile;
import dev.gitwire.testing.Kubeconfig;
import dev.gitwire.testing.ManualClock;
import dev.gitwire.testing.SwitchableLine;
import dev.gitwire.testing.SwitchableLine.State;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent loop without root (issue 15): its threads, triggers, retries and health, driven against
 * the real {@link NodeAgent} with a simulated kernel behind the {@code Dataplane} port (issue 30 point 1),
 * with every fault of the world injected: a real Git server down or silent, the Kubernetes API not there yet,
 * kernel calls that fail or hang, a device that vanishes, a watch thread that dies. The agent never exits,
 * never changes anything without an intent, and its health endpoints say what is wrong.
 */
@EnableKubernetesMockClient(crud = true)
class AgentLoopTest {

    private static final PrivateKey A = key(1);
    private static final PrivateKey B = key(2);
    private static final Cidr B_POD = Cidr.parse("10.240.0.21/32");
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final long WAIT = 15_000;

    @TempDir
    java.nio.file.Path dir;

    KubernetesClient client;

    private final ManualClock clock = new ManualClock();
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private AgentOnSimulatedKernel node;
    private AgentLoop loop;
    private Thread running;

    /** Node a of a standalone mesh of a and b. */
    private void start() throws IOException {
        start(Optional.empty(), "");
    }

    private void start(Optional<NodeSettings.KubernetesAccess> kubernetes, String meshSpec) throws IOException {
        start(kubernetes, meshSpec, INTERVAL);
    }

    private void start(Optional<NodeSettings.KubernetesAccess> kubernetes, String meshSpec, Duration interval)
            throws IOException {
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state").resolve(KeyFile.NAME), A.base64() + "\n"); // node a's pinned key
        node = new AgentOnSimulatedKernel(dir, Map.of("mesh.yaml", "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: true\n" + meshSpec, "nodes/a.yaml", node("a", 10, A),
                "nodes/b.yaml", node("b", 20, B)), kubernetes, false);
        loop = new AgentLoop(node.agent, interval, new InetSocketAddress("127.0.0.1", 0),
                new AgentLog(new PrintStream(logged, true, StandardCharsets.UTF_8), false, clock), clock, Optional.empty(), true);
    }

    private void run() {
        running = new Thread(() -> {
            try {
                loop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "agent-loop-under-test");
        running.setDaemon(true);
        running.start();
    }

    private void runUntilReady() throws Exception {
        start();
        run();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
    }

    @AfterEach
    void stop() throws Exception {
        node.kernel.heal();
        loop.close();
        if (running != null) {
            running.join(5_000);
        }
        node.close();
    }

    @Test
    void gitDownAtStartChangesNothingAndSaysSoThenTheAgentConvergesOnceItAnswers() throws Exception {
        start();
        node.git.set(State.DOWN);
        run();

        assertThat(eventually(WAIT, () -> metric("gitwire_errors_total{kind=\"git\"}") >= 2)).isTrue();
        assertThat(get("/readyz")).isEqualTo("503 not ready: no intent read yet");
        assertThat(get("/healthz")).isEqualTo("200 ok");
        assertThat(node.kernel.state().link()).as("nothing is touched without an intent").isEmpty();
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("cannot fetch main from git://127.0.0.1:"
                + node.git.port()).contains("nothing was changed");

        node.git.set(State.OPEN);
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        assertThat(node.kernel.state().link()).isPresent();
        assertThat(get("/metrics")).contains("gitwire_wireguard_backend{backend=\"userspace\",reason=\"a simulated kernel\"} 1");
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("backend userspace (a simulated kernel)");
    }

    /**
     * Issue 28 point 5: a Git outage marked every agent NotReady at once (DaemonSet rollouts stalled, Argo CD and Flux
     * showed Degraded) while traffic was fine. Readiness is this node's: converged on an intent; staleness is the
     * metric's and the alert's to say.
     */
    @Test
    void anIntentNotReadForLongIsStaleButTheNodeStaysReady() throws Exception {
        runUntilReady();

        node.git.set(State.DOWN);
        clock.advance(INTERVAL.multipliedBy(3).plus(Duration.ofMinutes(2)).plusSeconds(1));

        assertThat(get("/readyz")).isEqualTo("200 ready");
        assertThat(get("/healthz")).isEqualTo("200 ok");
        assertThat(metric("gitwire_intent_age_seconds")).isGreaterThan(126);
        assertThat(node.kernel.state().link()).as("the last intent keeps running").isPresent();
    }

    @Test
    void aGitReadThatNeverReturnsNeverHoldsUpTheRepairOfAVanishedDevice() throws Exception {
        runUntilReady();
        node.git.set(State.SILENT);
        loop.trigger(Trigger.Signal.RETRY); // the poll would do the same; the read now hangs on its own thread
        Thread.sleep(INTERVAL.toMillis() + 500);

        node.kernel.happens(new Operation.DeleteDevice("gitwire0"));

        assertThat(eventually(WAIT, () -> node.kernel.state().link().isPresent()
                && node.kernel.state().device().orElseThrow().peers().size() == 1)).isTrue();
        // counted when the reconcile returns, a moment after the kernel is repaired
        assertThat(eventually(WAIT, () -> metric("gitwire_drift_repairs_total") >= 1)).isTrue();
    }

    @Test
    void kernelErrorsFailTheReconcileAreCountedAndRetriedUntilTheKernelAnswersAgain() throws Exception {
        runUntilReady();
        Ownership owned = ownership();
        node.kernel.handshake(B.publicKey(), clock.instant());
        assertThat(eventually(WAIT, () -> SimulatedDataplane.path(node.kernel.state(), owned, B_POD) == Path.TUNNEL)).isTrue();

        node.kernel.failObserving(new IllegalStateException("netlink: RTM_GETROUTE: EBUSY"));
        node.kernel.happens(new Operation.DeleteDevice("gitwire0"));

        assertThat(eventually(WAIT, () -> metric("gitwire_errors_total{kind=\"kernel\"}") >= 2)).isTrue();
        assertThat(get("/readyz")).contains("503 not ready: the last reconcile failed").contains("EBUSY");
        assertThat(get("/healthz")).isEqualTo("200 ok");
        assertThat(SimulatedDataplane.path(node.kernel.state(), owned, B_POD)).as("the guard still drops")
                .isEqualTo(Path.DROPPED);

        node.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        assertThat(node.kernel.state().link()).isPresent();
    }

    @Test
    void anOperationThatFailsIsRetriedUntilItSucceeds() throws Exception {
        runUntilReady();

        node.kernel.failExecuting(op -> op instanceof Operation.CreateDevice,
                new IllegalStateException("netlink: RTM_NEWLINK gitwire0: EEXIST"));
        node.kernel.happens(new Operation.DeleteDevice("gitwire0"));

        assertThat(eventually(WAIT, () -> get("/readyz").contains("EEXIST"))).isTrue();
        assertThat(metric("gitwire_errors_total{kind=\"kernel\"}")).isGreaterThanOrEqualTo(1);

        node.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
    }

    @Test
    void aKernelCallThatNeverReturnsMakesTheAgentNotLiveSoTheKubeletRestartsIt() throws Exception {
        runUntilReady();

        node.kernel.hang();
        loop.trigger(Trigger.Signal.RETRY);
        Thread.sleep(500); // the reconcile is now blocked in the kernel call
        clock.advance(Health.STUCK.plusSeconds(1));

        assertThat(get("/healthz")).startsWith("500 stuck: a reconcile has run for 301 s");
        node.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/healthz").equals("200 ok"))).isTrue();
    }

    /**
     * The kernel tells of every route the agent itself adds: 100,000 of them made one log line of 4 MB naming the same
     * change 100,000 times, and as many triggers queued. A change already waiting to be reconciled is not queued again.
     */
    @Test
    void aStormOfKernelNotificationsIsOneReasonOfOneReconcile() throws Exception {
        runUntilReady();

        node.kernel.failObserving(new IllegalStateException("netlink: RTM_GETROUTE: EBUSY")); // each reconcile is logged
        for (int i = 0; i < 10_000; i++) {
            node.kernel.happens(new Operation.SetLink("gitwire0", 1300, true)); // someone sets the MTU, again and again
        }

        assertThat(eventually(WAIT, () -> logged.toString(StandardCharsets.UTF_8).contains("kernel: SetLink"))).isTrue();
        node.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        assertThat(logged.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("reconcile")))
                .allSatisfy(line -> assertThat(line.split("kernel: SetLink", -1)).as(line.substring(0,
                        Math.min(line.length(), 300))).hasSizeLessThanOrEqualTo(2));
    }

    /**
     * The kernel tells of every change, the agent's own too: each reconcile that changed something was followed by
     * another that read the whole kernel again to find nothing (at 5,000 nodes, a second read of 550,000 routes and
     * allowed IPs for each pod started anywhere). What the kernel told before the agent reads it is in that read.
     */
    @Test
    void theKernelTellingOfTheAgentsOwnChangesStartsNoReconcile() throws Exception {
        start(Optional.empty(), "", Duration.ofMinutes(10)); // no poll meanwhile
        node.kernel.tellOwnChanges();
        run();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        Thread.sleep(500);
        double before = reconciles();

        node.kernel.happens(new Operation.SetLink("gitwire0", 1300, true)); // a drift: one reconcile repairs it
        assertThat(eventually(WAIT, () -> reconciles() > before)).isTrue();
        Thread.sleep(1_000);

        assertThat(reconciles()).as("the repair, and no reconcile for the repair's own change").isEqualTo(before + 1);
        assertThat(node.kernel.state().link().orElseThrow().mtu()).isNotEqualTo(1300);
    }

    private double reconciles() {
        return get("/metrics").lines().filter(l -> l.startsWith("gitwire_reconciles_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void aWatchThreadThatDiesMakesTheAgentNotLiveAndIsCounted() throws Exception {
        runUntilReady();

        node.kernel.killWatch(new AssertionError("a bug in the watch"));

        assertThat(eventually(WAIT, () -> get("/healthz").startsWith("500 broken: thread model-watch died"))).isTrue();
        assertThat(metric("gitwire_errors_total{kind=\"thread\"}")).isEqualTo(1);
    }

    /** The real gate of NodeAgent: the API's first list, which a cluster read as empty would turn into every node gone. */
    @Test
    void theKubernetesApiNotAnsweringYetChangesNothingThenTheAgentConvergesWhenItDoes() throws Exception {
        for (String[] n : new String[][] {{"a", "10.240.0.10", A.publicKey().base64()}, {"b", "10.240.0.20",
                B.publicKey().base64()}}) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(n[0])
                    .withAnnotations(Map.of(KubernetesCluster.KEY_ANNOTATION, n[2])).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress(n[1]).endAddress().endStatus().build()).create();
        }
        URI api = URI.create(client.getMasterUrl().toString());
        try (SwitchableLine line = new SwitchableLine(new InetSocketAddress(api.getHost(), api.getPort()))) {
            line.set(State.DOWN);
            java.nio.file.Path kubeconfig = Kubeconfig.write(dir.resolve("kubeconfig"), api.getScheme() + "://127.0.0.1:"
                    + line.port());
            start(Optional.of(new NodeSettings.KubernetesAccess(Optional.of(kubeconfig), false, true)),
                    "  workloadNetworks: [10.240.0.0/16]\n");
            run();

            assertThat(eventually(WAIT, () -> get("/readyz").contains("waiting for the Kubernetes API"))).isTrue();
            assertThat(metric("gitwire_kubernetes_synced")).isEqualTo(0);
            assertThat(node.kernel.state().link()).as("nothing is touched until the cluster is known").isEmpty();

            line.set(State.OPEN);
            assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
            assertThat(metric("gitwire_kubernetes_synced")).isEqualTo(1);
            assertThat(node.kernel.state().link()).isPresent();
        }
    }

    private Ownership ownership() throws Exception {
        return node.agent.prepare().desired().owned();
    }

    /** "STATUS body" of a GET, the body's trailing newline dropped. */
    private String get(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + loop.httpAddress().getPort() + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body().strip();
        } catch (IOException e) {
            return "unreachable: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** A sample's value from /metrics, -1 when absent. */
    private double metric(String sample) {
        return get("/metrics").lines().filter(l -> l.startsWith(sample + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(sample.length() + 1))).orElse(-1.0);
    }

    private static String node(String name, int octet, PrivateKey key) {
        return ("apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\n"
                + "metadata:\n  name: " + name + "\nspec:\n  addresses: [10.240.0." + octet + "]\n  workloadIPs: [10.240.0."
                + (octet + 1) + "]\n  wireguard:\n    enabled: true\n    publicKey: " + key.publicKey().base64() + "\n");
    }

    private static PrivateKey key(int seed) {
        byte[] raw = new byte[32];
        raw[1] = (byte) seed;
        return PrivateKey.of(raw);
    }
}
