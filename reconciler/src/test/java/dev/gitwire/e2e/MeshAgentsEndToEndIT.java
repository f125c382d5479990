package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes (one without WireGuard), a real `git daemon` on the bridge serving the intent and the
 * status branch, one `gitwire run` per node: the scenarios a user relies on, in order.
 */
@Privileged
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshAgentsEndToEndIT {

    private Testbed bed;
    private GitServer git;
    private String url;
    private GitWorkTree work;
    private Node a;
    private Node b;
    private Node c;
    private final Map<String, Process> agents = new HashMap<>();

    @BeforeAll
    void cluster() throws Exception {
        bed = new Testbed();
        a = bed.addNode("node-a", 1, 1);
        b = bed.addNode("node-b", 2, 1);
        c = bed.addNode("node-c", 3, 1);
        git = bed.gitServer();
        url = git.create("intent");
        work = new GitWorkTree(bed.root().resolve("work"), "file://" + git.path("intent"), Map.of());
        bed.writeIntent(work.dir(), Testbed.mesh(false, false, Mode.OPPORTUNISTIC), Set.of("node-c"));
        work.commit("the mesh, switched off", List.of());
        work.push(false);
        for (Node node : bed.nodes()) {
            start(node);
        }
        for (Node node : bed.nodes()) {
            assertThat(Testbed.eventually(30_000, () -> ready(node))).as("%s ready:%n%s", node.name(), bed.log(node)).isTrue();
        }
    }

    @AfterAll
    void tearDown() {
        bed.close();
    }

    private void start(Node node) throws IOException {
        agents.put(node.name(), bed.startGitwire(node, "run", "--allow-unsigned", "--repo", url,
                "--node", node.name(), "--state-dir", node.stateDir().toString(), "--no-kubernetes",
                "--status-branch", "gitwire/status", "--interval", "2s"));
    }

    private static boolean ready(Node node) {
        return Testbed.agentHttp(node, "GET", "/readyz").endsWith("200");
    }

    private static boolean applied(Node node, String commit) {
        return Testbed.agentHttp(node, "GET", "/metrics").contains("revision=\"main@sha1:" + commit + "\"") && ready(node);
    }

    private String commit(String message, boolean enabled, boolean hostEncryption) throws Exception {
        bed.writeIntent(work.dir(), Testbed.mesh(enabled, hostEncryption, Mode.OPPORTUNISTIC), Set.of("node-c"));
        String commit = work.commit(message, List.of());
        work.push(false);
        return commit;
    }

    /** Milliseconds from a push to every node running it, verified. */
    private long untilEveryNodeApplied(String commit, boolean webhook) throws InterruptedException {
        long start = System.nanoTime();
        if (webhook) {
            bed.nodes().forEach(n -> Testbed.agentHttp(n, "POST", "/reconcile"));
        }
        for (Node node : bed.nodes()) {
            assertThat(Testbed.eventually(30_000, () -> applied(node, commit))).as("%s applies %s:%n%s", node.name(), commit,
                    bed.log(node)).isTrue();
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    @Order(1)
    void aCommitEnablesEncryptionOnEveryNode() throws Exception {
        String enabled = commit("enable encryption", true, true);
        long withWebhook = untilEveryNodeApplied(enabled, true);
        System.out.printf("time from the enabling commit to every node verified, with POST /reconcile: %d ms%n",
                withWebhook);

        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
        assertThat(Testbed.routesIntoTunnel(a, b, 20_000) && Testbed.routesIntoTunnel(b, a, 20_000))
                .as("routed both ways:%n%s%n%s", bed.log(a), bed.log(b)).isTrue();
        assertThat(a.host().namespace().ip("route", "show", "table", "51820"))
                .as("the Git server is kept out of the tunnel").contains("throw " + Testbed.SERVICES_ADDRESS);
        Path pods = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-c",
                "4", "-i", "0.2", b.podAddress(1)));
        assertThat(Testbed.count(pods, "udp port 51820")).isGreaterThanOrEqualTo(8);
        assertThat(Testbed.count(pods, "icmp")).isZero();
        Path hosts = bed.capture(() -> a.host().namespace().exec("ping", "-c", "4", "-i", "0.2", b.address()));
        assertThat(Testbed.count(hosts, "icmp")).isZero();
        Path plain = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-c",
                "3", "-i", "0.2", c.podAddress(1)));
        assertThat(Testbed.count(plain, "icmp and host " + c.podAddress(1))).isGreaterThanOrEqualTo(6);

        String polled = commit("keep host traffic plain", true, false);
        long withPolling = untilEveryNodeApplied(polled, false);
        System.out.printf("time from a commit to every node verified, polling every 2 s: %d ms%n", withPolling);
    }

    @Test
    @Order(2)
    void anInvalidCommitChangesNothingAndEveryStatusNamesTheFileAndLine() throws Exception {
        String routes = a.host().namespace().ip("route", "show", "table", "51820");
        Path node = work.dir().resolve("nodes/node-b.yaml");
        Files.writeString(node, Files.readString(node).replace("- 10.240.0.20", "- 10.240.0.20x"));
        work.commit("a typo", List.of());
        work.push(false);
        bed.nodes().forEach(n -> Testbed.agentHttp(n, "POST", "/reconcile"));
        for (Node n : bed.nodes()) {
            assertThat(Testbed.eventually(20_000, () -> Shell.tryRun(List.of("git", "-C", git.path("intent").toString(), "show",
                    "gitwire/status:nodes/" + n.name() + ".yaml"), null).output().contains("nodes/node-b.yaml:")))
                    .as("%s reports the problem", n.name()).isTrue();
        }
        assertThat(a.host().namespace().ip("route", "show", "table", "51820")).isEqualTo(routes);
        work.git("revert", "--no-edit", "HEAD");
        work.push(false);
    }

    @Test
    @Order(3)
    void theGitServerGoesAwayAndComesBack() throws Exception {
        git.stop();
        bed.nodes().forEach(n -> Testbed.agentHttp(n, "POST", "/reconcile"));
        assertThat(Testbed.eventually(10_000, () -> bed.log(a).contains("cannot fetch"))).isTrue();
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 5)).isTrue();
        assertThat(ready(a)).isTrue();
        git.start();
        String back = commit("after the outage", true, true);
        untilEveryNodeApplied(back, true);
    }

    @Test
    @Order(4)
    void anAgentKilledAndRestartedLosesNoPingAndChangesNothing() throws Exception {
        Process ping = new ProcessBuilder("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-c", "60",
                "-i", "0.1", "-W", "1", b.podAddress(1)).redirectErrorStream(true).start();
        Thread.sleep(500);
        agents.get("node-a").destroyForcibly(); // SIGKILL
        agents.get("node-a").waitFor(5, TimeUnit.SECONDS);
        start(a);
        assertThat(Testbed.eventually(30_000, () -> ready(a))).isTrue();
        String pinged = new String(ping.getInputStream().readAllBytes());
        ping.waitFor(30, TimeUnit.SECONDS);
        assertThat(pinged).contains("60 packets transmitted, 60 received");
        assertThat(Testbed.agentHttp(a, "GET", "/metrics")).doesNotContain("gitwire_kernel_operations_total{");
    }

    @Test
    @Order(5)
    void aRouteDeletedByHandIsBackWithinASecond() throws Exception {
        a.host().namespace().ip("route", "del", b.podAddress(1), "table", "51820");
        assertThat(Testbed.eventually(1_000, () -> a.host().namespace().ip("route", "show", "table", "51820")
                .contains(b.podAddress(1) + " dev gitwire0"))).isTrue();
    }

    @Test
    @Order(6)
    void aRouteDeletedByHandIsBackWithinASecondWhileTheGitServerHangs() throws Exception {
        URI server = URI.create(url);
        // packets to the Git server vanish: a fetch waits for its 30 s timeout, as on a network partition
        a.host().namespace().exec("nft", "add table inet partition { chain out { type filter hook output priority 0; "
                + "ip daddr " + server.getHost() + " tcp dport " + server.getPort() + " drop; }; }");
        try {
            Testbed.agentHttp(a, "POST", "/reconcile");
            Thread.sleep(500); // the read that POST started is now waiting on the Git server
            a.host().namespace().ip("route", "del", b.podAddress(1), "table", "51820");
            assertThat(Testbed.eventually(1_000, () -> a.host().namespace().ip("route", "show", "table", "51820")
                    .contains(b.podAddress(1) + " dev gitwire0"))).as(bed.log(a)).isTrue();
        } finally {
            a.host().namespace().exec("nft", "delete table inet partition");
        }
    }

    @Test
    @Order(7)
    void disablingTearsDownAndTheStatusBranchIsTheAuditTrail() throws Exception {
        String off = commit("switch the mesh off", false, true);
        bed.nodes().forEach(n -> Testbed.agentHttp(n, "POST", "/reconcile"));
        for (Node node : bed.nodes()) {
            assertThat(Testbed.eventually(20_000, () -> applied(node, off))).isTrue();
            // the device keeps accepting for the grace period (the 2-s interval plus 10 s), then goes
            assertThat(Testbed.eventually(30_000, () -> !node.host().namespace().ip("link", "show")
                    .contains("gitwire0"))).isTrue();
        }
        assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 10)).isTrue();

        Path bare = git.path("intent");
        // the status goes out on its own thread, after the reconcile: it arrives, and the metrics count it
        assertThat(Testbed.eventually(10_000, () -> Shell.tryRun(List.of("git", "-C", bare.toString(), "show",
                "gitwire/status:nodes/node-a.yaml"), null).output().contains("phase: Disabled"))).isTrue();
        assertThat(Testbed.agentHttp(a, "GET", "/metrics")).contains("gitwire_status_publishes_total{result=\"committed\"}");
        String readme = Shell.run("git", "-C", bare.toString(), "show", "gitwire/status:README.md");
        for (Node node : bed.nodes()) {
            assertThat(readme).contains("| " + node.name() + " |");
        }
        // every commit changes its author's own file: a real transition, never another node's file
        for (String commit : Shell.run("git", "-C", bare.toString(), "rev-list", "gitwire/status").lines().toList()) {
            String shown = Shell.run("git", "-C", bare.toString(), "show", "--format=%an", "--name-only", commit);
            String author = shown.lines().findFirst().orElseThrow();
            assertThat(shown.lines().skip(1).filter(l -> l.startsWith("nodes/")).toList())
                    .containsExactly("nodes/" + author + ".yaml");
        }
        System.out.println(Shell.run("git", "-C", bare.toString(), "log", "--format=%an: %s", "gitwire/status"));
    }
}
