package dev.gitwire.bench;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.WireguardGoHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The warm path (issue 30 point 9): what a user waits for on a node where the agent already runs. A commit that adds a
 * peer with N workload IPs lands on the intent's branch; the webhook tells the running agent (`gitwire run`, the
 * launcher and the jar, as the DaemonSet runs it), which fetches, applies and verifies it; timed from the commit to
 * the agent's report that the kernel was verified to hold that revision. Beside it, in the same run, the shell tools
 * doing the same kernel work on a fresh node (ApplyBenchmark's script: wireguard-go, {@code wg setconf}, {@code ip
 * -batch}, {@code nft -f}, {@code ip rule}; a little more than the agent's, which finds its device there). Both end
 * states are read back by the same check. Needs root and {@code target/gitwire.jar}.
 */
public final class AgentBenchmark {

    private static final int HTTP_PORT = 9824;

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int count = args.integer(0, 100_000);
        int rounds = args.integer(1, 3);
        Path jar = Path.of(args.text(2, "target/gitwire.jar")).toAbsolutePath();
        Path work = Files.createTempDirectory("gitwire-agent-bench");
        List<String> ips = ApplyBenchmark.workloadIps(count);
        SecureRandom random = new SecureRandom();
        String peerKey = PrivateKey.generate(random).publicKey().base64();
        Path withPeer = ApplyBenchmark.intentRepo(work.resolve("with-peer"), peerKey, ips); // the end state's files
        Path script = ApplyBenchmark.shellScript(work, PrivateKey.generate(random), peerKey, ips);
        Path launcher = ApplyBenchmark.launcher();

        long[][] ms = new long[2][rounds];
        for (int round = 0; round < rounds; round++) {
            boolean agentFirst = round % 2 == 0; // neither side always meets a warmer kernel or page cache
            for (int turn = 0; turn < 2; turn++) {
                try (WireguardGoHost node = ApplyBenchmark.node()) {
                    if ((turn == 0) == agentFirst) {
                        ms[0][round] = agentRound(node, launcher, jar, work.resolve("round-" + round), withPeer);
                    } else {
                        List<String> shell = new ArrayList<>(node.inside());
                        shell.addAll(List.of("bash", script.toString()));
                        ms[1][round] = ApplyBenchmark.timed(shell, work.resolve("shell.out"), "");
                    }
                    ApplyBenchmark.check(node, ips, peerKey);
                }
            }
        }
        Shell.run("rm", "-rf", work.toString());
        long agent = RouteBenchmark.median(ms[0]);
        long tools = RouteBenchmark.median(ms[1]);
        System.out.printf("warm path, a commit adding a peer with %d workload IPs, rounds %d: running agent, from the"
                        + " commit through the webhook to the verified kernel state, %d ms; shell tools doing the same"
                        + " kernel work %d ms (ratio %.2f, agent/tools)%n", count, rounds, agent, tools,
                (double) agent / tools);
    }

    /**
     * A node whose agent runs, converged on an intent of node a alone; then the commit that adds node b and its
     * workloads, and the webhook. The milliseconds from the commit to the agent's verified report of it.
     */
    private static long agentRound(WireguardGoHost node, Path launcher, Path jar, Path dir, Path withPeer)
            throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Files.createDirectories(repo.resolve("nodes"));
        Files.copy(withPeer.resolve("mesh.yaml"), repo.resolve("mesh.yaml"));
        Files.copy(withPeer.resolve("nodes/a.yaml"), repo.resolve("nodes/a.yaml"));
        git(repo, "init", "-q", "-b", "main");
        commit(repo, "node a alone");
        List<String> command = new ArrayList<>(node.inside());
        command.addAll(List.of("env", "GITWIRE_JAR=" + jar, launcher.toString(), "run", "--repo", "file://" + repo,
                "--node", "a", "--no-kubernetes", "--state-dir", dir.resolve("state").toString(), "--wireguard",
                "userspace", "--allow-unsigned", "--interval", "10m", "--http-address", "127.0.0.1:" + HTTP_PORT));
        Process agent = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        try {
            NetworkNamespace inside = node.namespace().namespace();
            await(() -> http(inside, "GET", "/readyz").startsWith("HTTP/1.1 200"), 120, dir);
            Files.copy(withPeer.resolve("nodes/b.yaml"), repo.resolve("nodes/b.yaml"));
            String revision = commit(repo, "node b and its workloads");
            long t0 = System.nanoTime();
            http(inside, "POST", "/reconcile");
            await(() -> applied(http(inside, "GET", "/metrics"), revision), 120, dir);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        } finally {
            agent.destroy(); // SIGTERM: the agent leaves the kernel as it is, as at a restart
            agent.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The metrics say the revision is applied and the kernel verified to match it. */
    private static boolean applied(String metrics, String commit) {
        return metrics.contains("gitwire_converged 1") && metrics.lines()
                .anyMatch(l -> l.startsWith("gitwire_applied_revision_info{") && l.contains(commit));
    }

    private interface Check {
        boolean holds() throws IOException;
    }

    private static void await(Check check, int seconds, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (IOException notYet) {
                // the agent is not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("the agent did not get there in " + seconds + " s; its log: "
                + dir.resolve("agent.log"));
    }

    /** One HTTP/1.1 request to the agent, from a socket made inside the node's namespace, where it listens. */
    private static String http(NetworkNamespace namespace, String method, String path) throws IOException {
        try (Socket socket = namespace.enter(() -> {
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", HTTP_PORT), 1_000);
                return s;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: agent\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String commit(Path repo, String message) {
        git(repo, "add", ".");
        git(repo, "-c", "user.name=bench", "-c", "user.email=bench@gitwire.dev", "commit", "-q", "-m", message);
        return git(repo, "rev-parse", "HEAD").strip();
    }

    private static String git(Path repo, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", repo.toString()));
        command.addAll(List.of(args));
        return Shell.run(command, null);
    }
}
