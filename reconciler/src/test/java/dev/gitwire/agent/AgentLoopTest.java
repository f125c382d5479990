package dev.gitwire.agent;

import static dev.gitwire.testing.Testbed.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.plan.ModelDataplane;
import dev.gitwire.plan.ModelDataplane.Path;
import dev.gitwire.plan.Operation;
import dev.gitwire.testing.ManualClock;
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
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent loop without root (issue 15): its threads, triggers, retries and health, driven against
 * the core with a model of the kernel behind the {@code Dataplane} port, with every fault of the world
 * injected: Git down or hanging, the Kubernetes API not there yet, kernel calls that fail or hang, a device
 * that vanishes, a watch thread that dies. The agent never exits, never changes anything without an
 * intent, and its health endpoints say what is wrong.
 */
class AgentLoopTest {

    private static final PrivateKey A = key(1);
    private static final PrivateKey B = key(2);
    private static final Cidr B_POD = Cidr.parse("10.240.0.21/32");
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final long WAIT = 15_000;

    @TempDir
    java.nio.file.Path repo;

    private final ManualClock clock = new ManualClock();
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ModelAgent agent;
    private AgentLoop loop;
    private Thread running;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(repo.resolve("mesh.yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: true\n");
        Files.createDirectories(repo.resolve("nodes"));
        node("a", 10, A);
        node("b", 20, B);
        agent = new ModelAgent(repo, "a", A, clock);
        loop = new AgentLoop(agent, INTERVAL, new InetSocketAddress("127.0.0.1", 0),
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

    private void runUntilReady() throws InterruptedException {
        run();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
    }

    @AfterEach
    void stop() throws InterruptedException {
        agent.gitHealed();
        agent.kernel.heal();
        loop.close();
        if (running != null) {
            running.join(5_000);
        }
    }

    @Test
    void gitDownAtStartChangesNothingAndSaysSoThenTheAgentConvergesOnceItAnswers() throws Exception {
        agent.gitFails(new IOException("cannot fetch git://git.example:9418/mesh.git: connection refused"));
        run();

        assertThat(eventually(WAIT, () -> metric("gitwire_errors_total{kind=\"git\"}") >= 2)).isTrue();
        assertThat(get("/readyz")).isEqualTo("503 not ready: no intent read yet");
        assertThat(get("/healthz")).isEqualTo("200 ok");
        assertThat(agent.kernel.state().link()).as("nothing is touched without an intent").isEmpty();
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("connection refused; nothing was changed");

        agent.gitHealed();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        assertThat(agent.kernel.state().link()).isPresent();
        assertThat(get("/metrics")).contains("gitwire_wireguard_backend{backend=\"userspace\",reason=\"a model of the kernel\"} 1");
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("backend userspace (a model of the kernel)");
    }

    /**
     * Issue 28 point 5: a Git outage marked every agent NotReady at once (DaemonSet rollouts stalled, Argo CD and Flux
     * showed Degraded) while traffic was fine. Readiness is this node's: converged on an intent; staleness is the
     * metric's and the alert's to say.
     */
    @Test
    void anIntentNotReadForLongIsStaleButTheNodeStaysReady() throws Exception {
        runUntilReady();

        agent.gitFails(new IOException("cannot fetch: connection refused"));
        clock.advance(INTERVAL.multipliedBy(3).plus(Duration.ofMinutes(2)).plusSeconds(1));

        assertThat(get("/readyz")).isEqualTo("200 ready");
        assertThat(get("/healthz")).isEqualTo("200 ok");
        assertThat(metric("gitwire_intent_age_seconds")).isGreaterThan(126);
        assertThat(agent.kernel.state().link()).as("the last intent keeps running").isPresent();
    }

    @Test
    void aGitReadThatNeverReturnsNeverHoldsUpTheRepairOfAVanishedDevice() throws Exception {
        runUntilReady();
        agent.gitHangs();
        loop.trigger("test"); // the poll would do the same; the read now hangs on its own thread
        Thread.sleep(INTERVAL.toMillis() + 500);

        agent.kernel.happens(new Operation.DeleteDevice("gitwire0"));

        assertThat(eventually(WAIT, () -> agent.kernel.state().link().isPresent()
                && agent.kernel.state().device().orElseThrow().peers().size() == 1)).isTrue();
        assertThat(metric("gitwire_drift_repairs_total")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void kernelErrorsFailTheReconcileAreCountedAndRetriedUntilTheKernelAnswersAgain() throws Exception {
        runUntilReady();
        Ownership owned = ownership();
        agent.kernel.handshake(B.publicKey(), clock.instant());
        assertThat(eventually(WAIT, () -> ModelDataplane.path(agent.kernel.state(), owned, B_POD) == Path.TUNNEL)).isTrue();

        agent.kernel.failObserving(new IllegalStateException("netlink: RTM_GETROUTE: EBUSY"));
        agent.kernel.happens(new Operation.DeleteDevice("gitwire0"));

        assertThat(eventually(WAIT, () -> metric("gitwire_errors_total{kind=\"kernel\"}") >= 2)).isTrue();
        assertThat(get("/readyz")).contains("503 not ready: the last reconcile failed").contains("EBUSY");
        assertThat(get("/healthz")).isEqualTo("200 ok");
        assertThat(ModelDataplane.path(agent.kernel.state(), owned, B_POD)).as("the guard still drops")
                .isEqualTo(Path.DROPPED);

        agent.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        assertThat(agent.kernel.state().link()).isPresent();
    }

    @Test
    void anOperationThatFailsIsRetriedUntilItSucceeds() throws Exception {
        runUntilReady();

        agent.kernel.failExecuting(op -> op instanceof Operation.CreateDevice,
                new IllegalStateException("netlink: RTM_NEWLINK gitwire0: EEXIST"));
        agent.kernel.happens(new Operation.DeleteDevice("gitwire0"));

        assertThat(eventually(WAIT, () -> get("/readyz").contains("EEXIST"))).isTrue();
        assertThat(metric("gitwire_errors_total{kind=\"kernel\"}")).isGreaterThanOrEqualTo(1);

        agent.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
    }

    @Test
    void aKernelCallThatNeverReturnsMakesTheAgentNotLiveSoTheKubeletRestartsIt() throws Exception {
        runUntilReady();

        agent.kernel.hang();
        loop.trigger("test");
        Thread.sleep(500); // the reconcile is now blocked in the kernel call
        clock.advance(Health.STUCK.plusSeconds(1));

        assertThat(get("/healthz")).startsWith("500 stuck: a reconcile has run for 301 s");
        agent.kernel.heal();
        assertThat(eventually(WAIT, () -> get("/healthz").equals("200 ok"))).isTrue();
    }

    @Test
    void aWatchThreadThatDiesMakesTheAgentNotLiveAndIsCounted() throws Exception {
        runUntilReady();

        agent.kernel.killWatch(new AssertionError("a bug in the watch"));

        assertThat(eventually(WAIT, () -> get("/healthz").startsWith("500 broken: thread model-watch died"))).isTrue();
        assertThat(metric("gitwire_errors_total{kind=\"thread\"}")).isEqualTo(1);
    }

    @Test
    void theKubernetesApiNotAnsweringYetChangesNothingThenTheAgentConvergesWhenItDoes() throws Exception {
        agent.clusterSynced(false);
        run();

        assertThat(eventually(WAIT, () -> get("/readyz").contains("waiting for the Kubernetes API"))).isTrue();
        assertThat(metric("gitwire_kubernetes_synced")).isEqualTo(0);
        assertThat(agent.kernel.state().link()).as("nothing is touched until the cluster is known").isEmpty();

        agent.clusterSynced(true);
        assertThat(eventually(WAIT, () -> get("/readyz").equals("200 ready"))).isTrue();
        assertThat(metric("gitwire_kubernetes_synced")).isEqualTo(1);
    }

    private Ownership ownership() throws Exception {
        return agent.prepare().desired().owned();
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

    private void node(String name, int octet, PrivateKey key) throws IOException {
        Files.writeString(repo.resolve("nodes/" + name + ".yaml"), "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\n"
                + "metadata:\n  name: " + name + "\nspec:\n  addresses: [10.240.0." + octet + "]\n  workloadIPs: [10.240.0."
                + (octet + 1) + "]\n  wireguard:\n    enabled: true\n    publicKey: " + key.publicKey().base64() + "\n");
    }

    private static PrivateKey key(int seed) {
        byte[] raw = new byte[32];
        raw[1] = (byte) seed;
        return PrivateKey.of(raw);
    }
}
