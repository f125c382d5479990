package dev.gitwire.agent;

import static dev.gitwire.testing.Testbed.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.cli.GitwireCommand;
import dev.gitwire.cluster.IntentNotice;
import dev.gitwire.testing.Kubeconfig;
import dev.gitwire.testing.ManualClock;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The agent's HTTP endpoints against hostile clients (issue 14): half requests never delay `/healthz`, a
 * request has a deadline and bounded head and body, POST /reconcile needs the webhook secret on an
 * address others reach, and a flood of webhooks reads Git at most once per pause. The real agent on a model
 * of the kernel; its reads of Git are the fetches a real git daemon serves.
 */
@Execution(ExecutionMode.CONCURRENT) // each test its own agent, ports and servers; most of their time is waiting
class AgentHttpTest {

    /** Enough to show a read per announcement (it was), few enough to be written within a pause. */
    private static final int ANNOUNCEMENTS = 50;
    private static final String PUSH = "{\"ref\":\"refs/heads/main\"}";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Socket> sockets = new ArrayList<>();
    private AgentOnSimulatedKernel node;
    private AgentLoop loop;
    private Thread running;

    private void start(String host, Optional<WebhookSecret> webhook) throws IOException {
        start(host, webhook, loop -> { });
    }

    private interface Setup {
        void accept(AgentLoop loop) throws IOException;
    }

    private void start(String host, Optional<WebhookSecret> webhook, Setup setup) throws IOException {
        start(host, webhook, setup, Optional.empty());
    }

    /** Node a of a mesh that is off; with Kubernetes, following the announcements of a separate status writer. */
    private void start(String host, Optional<WebhookSecret> webhook, Setup setup,
            Optional<NodeSettings.KubernetesAccess> kubernetes) throws IOException {
        node = new AgentOnSimulatedKernel(dir, Map.of("mesh.yaml", "apiVersion: gitwire.dev/v1alpha1\nkind: MeshIntent\n"
                + "metadata:\n  name: t\nspec:\n  enabled: false\n"), kubernetes, kubernetes.isPresent());
        ManualClock clock = new ManualClock();
        loop = new AgentLoop(node.agent, Duration.ofMinutes(10), new InetSocketAddress(host, 0),
                new AgentLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false, clock),
                clock, webhook, true);
        setup.accept(loop);
        running = new Thread(() -> {
            try {
                loop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        running.setDaemon(true);
        running.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (loop != null) {
            loop.close();
            running.join(5_000);
        }
        if (node != null) {
            node.close();
        }
    }

    /** How many times the agent fetched the intent from the Git server. */
    private int reads() {
        return node.git.connections();
    }

    @Test
    void aHundredClientsSendingHalfARequestNeverDelayHealthz() throws Exception {
        start("127.0.0.1", Optional.empty());
        for (int i = 0; i < 100; i++) {
            Socket socket = connect();
            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        // the kubelet's probe gives up after 1 s by default; before, one such client blocked it for 100 s
        for (int i = 0; i < 5; i++) {
            assertThat(send("GET", "/healthz", Map.of(), "", Duration.ofSeconds(1))).isEqualTo("200 ok");
        }
    }

    /**
     * Issue 26 point 12: 1,000 clients ask for a 1 MiB page and never read it. On main a response being written was
     * never evicted and held its page: a gigabyte of heap, and the agent exited. Now connections are bounded per
     * client address and in all, and so are the bytes of responses held; the probe, from another address, answers.
     */
    @Test
    void aThousandClientsThatNeverReadTheirPagesHoldBoundedMemory() throws Exception {
        byte[] page = new byte[1 << 20];
        Arrays.fill(page, (byte) '#');
        try (AgentHttpServer server = new AgentHttpServer(new InetSocketAddress("127.0.0.1", 0), Map.of(
                "/metrics", request -> new AgentHttpServer.Response(200, "text/plain", page),
                "/healthz", request -> AgentHttpServer.Response.text(200, "ok\n")))) {
            server.start();
            for (int i = 0; i < 1_000; i++) {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(1024);
                socket.bind(new InetSocketAddress("127.0.0." + (2 + i % 20), 0)); // 20 hostile pods
                socket.connect(server.address(), 2_000);
                sockets.add(socket);
                socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(server.connections()).isLessThanOrEqualTo(AgentHttpServer.MAX_CONNECTIONS);
                assertThat(server.bytesInFlight()).isLessThanOrEqualTo(AgentHttpServer.MAX_BYTES_IN_FLIGHT + page.length);
            }
            // the kubelet's probe: 1 s each, every 10 s, three failures to restart; one answers well within that
            HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort()
                    + "/healthz")).timeout(Duration.ofSeconds(1)).build();
            assertThat(eventually(10_000, () -> {
                try {
                    return http.send(probe, HttpResponse.BodyHandlers.ofString()).body().equals("ok\n");
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            })).isTrue();
        }
    }

    @Test
    void aRequestThatNeverEndsIsCutOffAtItsDeadline() throws Exception {
        start("127.0.0.1", Optional.empty());
        Socket socket = connect();
        socket.setSoTimeout((int) AgentHttpServer.DEADLINE.plusSeconds(5).toMillis());
        socket.getOutputStream().write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));

        long start = System.nanoTime();
        assertThat(socket.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(AgentHttpServer.DEADLINE.plusSeconds(2));
    }

    @Test
    void metricsCanBeServedAloneOnAnotherAddressForPrometheus() throws Exception {
        start("127.0.0.1", Optional.empty(), loop -> loop.serveMetrics(new InetSocketAddress("127.0.0.1", 0)));
        int port = loop.metricsAddress().orElseThrow().getPort();

        assertThat(get(port, "/metrics")).startsWith("200 ").contains("# TYPE gitwire_converged gauge\n");
        assertThat(get(port, "/healthz")).startsWith("404 ");
        assertThat(get(port, "/reconcile")).startsWith("404 ");
    }

    private String get(int port, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body().strip();
    }

    @Test
    void headsAndBodiesAreBounded() throws Exception {
        start("127.0.0.1", Optional.empty());

        String huge = "GET /healthz HTTP/1.1\r\nX-Filler: " + "a".repeat(AgentHttpServer.MAX_HEAD) + "\r\n\r\n";
        assertThat(raw(huge)).startsWith("HTTP/1.1 431 ");
        assertThat(raw("POST /reconcile HTTP/1.1\r\nContent-Length: " + (AgentHttpServer.MAX_BODY + 1) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 413 ");
        assertThat(raw("POST /reconcile HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).startsWith("HTTP/1.1 411 ");
        assertThat(raw("nonsense\r\n\r\n")).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void onAnAddressOthersReachPostReconcileNeedsTheWebhookSecret() throws Exception {
        start("0.0.0.0", Optional.empty());
        assertThat(send("POST", "/reconcile", Map.of(), PUSH, Duration.ofSeconds(5))).startsWith("401 ");
    }

    @Test
    void githubAndGitlabWebhooksAreAuthenticatedBySecret() throws Exception {
        Path secretFile = Files.writeString(dir.resolve("webhook.secret"), "s3cret\n");
        WebhookSecret secret = WebhookSecret.read(secretFile);
        start("0.0.0.0", Optional.of(secret));
        String good = "sha256=" + HexFormat.of().formatHex(secret.hmac(PUSH.getBytes(StandardCharsets.UTF_8)));
        String forged = "sha256=" + HexFormat.of().formatHex(secret.hmac("{}".getBytes(StandardCharsets.UTF_8)));

        assertThat(send("POST", "/reconcile", Map.of(), PUSH, Duration.ofSeconds(5))).startsWith("401 ");
        assertThat(send("POST", "/reconcile", Map.of("X-Hub-Signature-256", forged), PUSH, Duration.ofSeconds(5)))
                .startsWith("401 ");
        assertThat(send("POST", "/reconcile", Map.of("X-Gitlab-Token", "guess"), PUSH, Duration.ofSeconds(5)))
                .startsWith("401 ");
        assertThat(send("POST", "/reconcile", Map.of("X-Hub-Signature-256", good), PUSH, Duration.ofSeconds(5)))
                .isEqualTo("202 reconcile requested");
        assertThat(send("POST", "/reconcile", Map.of("X-Gitlab-Token", "s3cret"), PUSH, Duration.ofSeconds(5)))
                .isEqualTo("202 reconcile requested");
        Files.delete(secretFile);
    }

    @Test
    void aFloodOfWebhooksReadsGitOnceNowAndOnceAfterThePause() throws Exception {
        start("127.0.0.1", Optional.empty());
        assertThat(eventually(10_000, () -> reads() == 1)).isTrue(); // the read at start
        Thread.sleep(AgentLoop.ASKED_READS_EVERY.toMillis());

        for (int i = 0; i < 50; i++) {
            assertThat(send("POST", "/reconcile", Map.of(), PUSH, Duration.ofSeconds(5))).startsWith("202 ");
        }

        assertThat(eventually(10_000, () -> reads() == 3)).isTrue();
        Thread.sleep(AgentLoop.ASKED_READS_EVERY.toMillis() + 1_000);
        assertThat(reads()).isEqualTo(3);
    }

    /**
     * Anyone who can write {@code gitwire-intent} (every node) can announce a revision as often as it likes, and
     * every agent fetched at each one (issue 26 point 11): a storm of reads at the Git host. Announcements are paced
     * as webhooks are, and each agent reads after a delay of its own.
     */
    @Test
    void aStormOfAnnouncementsReadsGitOnceNowAndOnceAfterThePause() throws Exception {
        // a mock API of its own: the JUnit extension's is shared by the class, and these tests run side by side
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        api.init();
        try (KubernetesClient client = api.createClient()) {
            announcementStorm(client);
        } finally {
            api.destroy();
        }
    }

    private void announcementStorm(KubernetesClient client) throws Exception {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("a").endMetadata().build()).create();
        Path kubeconfig = Kubeconfig.write(dir.resolve("kubeconfig"), client.getMasterUrl().toString());
        start("127.0.0.1", Optional.empty(), loop -> { },
                Optional.of(new NodeSettings.KubernetesAccess(Optional.of(kubeconfig), false, false)));
        assertThat(eventually(10_000, () -> reads() == 1)).isTrue(); // the read at start
        Thread.sleep(AgentLoop.ASKED_READS_EVERY.toMillis());

        long start = System.nanoTime();
        for (int i = 0; i < ANNOUNCEMENTS; i++) { // each a revision of its own, as a node that writes the object would
            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName(IntentNotice.NAME).endMetadata().addToData(IntentNotice.KEY, "git:sha1:" + i).build())
                    .createOr(NonDeletingOperation::update);
        }
        Duration storm = Duration.ofNanos(System.nanoTime() - start);
        Thread.sleep(AgentLoop.ANNOUNCEMENT_SPREAD.plus(AgentLoop.ASKED_READS_EVERY).toMillis() + 1_000);
        // the read at start, one at the first announcement, then at most one per pause while the storm lasts (a
        // loaded machine writes the announcements slower), and one after it
        long pause = AgentLoop.ASKED_READS_EVERY.toMillis();
        long pauses = (storm.toMillis() + pause - 1) / pause;
        System.out.printf("%d announcements in %d ms: %d reads of Git%n", ANNOUNCEMENTS, storm.toMillis(), reads());
        assertThat(reads()).isBetween(2, 3 + (int) pauses);
    }

    /** Issue 18: `gitwire reconcile` asks the running agent for a read and a reconcile now. */
    @Test
    void gitwireReconcileAsksTheRunningAgent() throws Exception {
        start("127.0.0.1", Optional.empty());
        assertThat(eventually(10_000, () -> reads() == 1)).isTrue();
        Thread.sleep(AgentLoop.ASKED_READS_EVERY.toMillis());

        String address = "127.0.0.1:" + loop.httpAddress().getPort();
        int exit = GitwireCommand.commandLine().execute("reconcile", "--http-address", address);

        assertThat(exit).isZero();
        assertThat(eventually(10_000, () -> reads() == 2)).isTrue();
        loop.close();
        assertThat(GitwireCommand.commandLine().execute("reconcile", "--http-address", address))
                .as("no agent there").isEqualTo(1);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", loop.httpAddress().getPort());
        sockets.add(socket);
        return socket;
    }

    /** The status line and headers the server answers a raw request with. */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", loop.httpAddress().getPort())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException reset) {
                // the server may answer and close before the whole request is written
            }
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private String send(String method, String path, Map<String, String> headers, String body, Duration timeout)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + loop.httpAddress().getPort()
                + path)).timeout(timeout).method(method, HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body().strip();
    }
}
