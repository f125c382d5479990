package dev.gitwire.bench;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.testing.GitServer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The warm path (issue 30 point 9): what a user waits for on a node where the agent already runs. A commit that adds a
 * peer with N workload IPs is pushed to the intent's branch on a git daemon; the webhook tells the running agent
 * (`gitwire run`, the launcher and the jar, as the DaemonSet runs it), which fetches over git://, applies and verifies
 * it; timed from the accepted push to the agent's report that the kernel was verified to hold that revision. Beside
 * it, in the same run, the shell tools doing the same kernel work on a fresh node (ApplyBenchmark's script:
 * wireguard-go, {@code wg setconf}, {@code ip -batch}, {@code nft -f}, {@code ip rule}; a little more than the
 * agent's, which finds its device there). Both end states are read back by the same check. Needs root and
 * {@code target/gitwire.jar}.
 */
public final class AgentBenchmark {

    private static final int HTTP_PORT = 9824;
    /** Where the git daemon listens, in the node's namespace. */
    private static final String GIT_SERVER = "127.0.0.1";

    /** Commits of the same size the agent applies before the one timed: a node's agent has seen such work before. */
    private static final int WARM_UPS = 3;
    /** More than the agent's pause between webhook-asked reads (AgentLoop.ASKED_READS_EVERY), so none waits it out. */
    private static final long WEBHOOK_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5_200);

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
        String warmUp = ApplyBenchmark.peerNode("w", "10.99.0.3", PrivateKey.generate(random).publicKey().base64(),
                ApplyBenchmark.workloadIps("10.128.0.0", count));
        Path script = ApplyBenchmark.shellScript(work, PrivateKey.generate(random), peerKey, ips);
        Path launcher = ApplyBenchmark.launcher();

        long[][] ms = new long[3][rounds];
        Map<String, long[]> phases = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            boolean agentFirst = round % 2 == 0; // neither side always meets a warmer kernel or page cache
            for (int turn = 0; turn < 2; turn++) {
                try (WireguardGoHost node = ApplyBenchmark.node()) {
                    if ((turn == 0) == agentFirst) {
                        Round agent = agentRound(node, launcher, jar, work.resolve("round-" + round), withPeer, warmUp);
                        ms[0][round] = agent.warmMillis();
                        ms[2][round] = agent.firstMillis();
                        int r = round;
                        agent.phaseMillis().forEach((phase, m) -> phases.computeIfAbsent(phase,
                                p -> new long[rounds])[r] = m);
                        ApplyBenchmark.check(node, ips, peerKey, List.of(GIT_SERVER)); // the agent keeps Git outside
                    } else {
                        List<String> shell = new ArrayList<>(node.inside());
                        shell.addAll(List.of("bash", script.toString()));
                        ms[1][round] = ApplyBenchmark.timed(shell, work.resolve("shell.out"), "");
                        ApplyBenchmark.check(node, ips, peerKey);
                    }
                }
            }
        }
        Shell.run("rm", "-rf", work.toString());
        long agent = RouteBenchmark.median(ms[0]);
        long tools = RouteBenchmark.median(ms[1]);
        System.out.printf("warm path, a commit adding a peer with %d workload IPs, rounds %d: running agent, from the"
                        + " push through the webhook to the verified kernel state, %d ms; shell tools doing the same"
                        + " kernel work %d ms (ratio %.2f, agent/tools); the first commit of that size after the"
                        + " agent started %d ms (ratio %.2f)%n", count, rounds, agent, tools, (double) agent / tools,
                RouteBenchmark.median(ms[2]), (double) RouteBenchmark.median(ms[2]) / tools);
        StringBuilder split = new StringBuilder();
        phases.forEach((phase, m) -> split.append(split.isEmpty() ? "" : ", ").append(phase).append(' ')
                .append(RouteBenchmark.median(m)).append(" ms"));
        System.out.println("the timed commit in the agent's metrics (medians): " + split);
    }

    /**
     * One agent's figures: its first commit of the size after it started, the timed one, and where the timed one's
     * time went by the agent's own histograms: the Git read, then each phase of the reconcile.
     */
    private record Round(long firstMillis, long warmMillis, Map<String, Long> phaseMillis) {}

    /**
     * A node whose agent runs, converged on an intent of node a alone; then {@link #WARM_UPS} times a commit that adds
     * node w with as many workloads and one that takes it away; then the commit that adds node b and its workloads.
     * Each commit is pushed, then the webhook called. The milliseconds from the push of the first commit adding w,
     * and from the push of the commit adding b, to the agent's verified report of it.
     */
    private static Round agentRound(WireguardGoHost node, Path launcher, Path jar, Path dir, Path withPeer,
            String warmUp) throws Exception {
        try (GitServer server = new GitServer(dir.resolve("server"), node.inside(), GIT_SERVER)) {
            Path repo = Files.createDirectories(dir.resolve("repo"));
            Files.createDirectories(repo.resolve("nodes"));
            Files.copy(withPeer.resolve("mesh.yaml"), repo.resolve("mesh.yaml"));
            Files.copy(withPeer.resolve("nodes/a.yaml"), repo.resolve("nodes/a.yaml"));
            git(repo, "init", "-q", "-b", "main");
            Remote remote = new Remote(repo, node.inside(), server.create("intent"));
            remote.push("node a alone");
            return agentRound(node, launcher, jar, dir, withPeer, warmUp, remote);
        }
    }

    private static Round agentRound(WireguardGoHost node, Path launcher, Path jar, Path dir, Path withPeer,
            String warmUp, Remote remote) throws Exception {
        Path repo = remote.workTree();
        List<String> command = new ArrayList<>(node.inside());
        command.addAll(List.of("env", "GITWIRE_JAR=" + jar, launcher.toString(), "run", "--repo", remote.url(),
                "--node", "a", "--no-kubernetes", "--state-dir", dir.resolve("state").toString(), "--wireguard",
                "userspace", "--allow-unsigned", "--interval", "10m", "--teardown-grace", "0s", "--http-address",
                "127.0.0.1:" + HTTP_PORT));
        Process agent = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        try {
            NetworkNamespace inside = node.namespace().namespace();
            await(() -> http(inside, "GET", "/readyz").startsWith("HTTP/1.1 200"), 120, dir);
            long first = 0;
            for (int i = 0; i < WARM_UPS; i++) {
                Files.writeString(repo.resolve("nodes/w.yaml"), warmUp);
                long ms = applied(inside, remote, "node w and its workloads", dir);
                first = i == 0 ? ms : first;
                Files.delete(repo.resolve("nodes/w.yaml"));
                applied(inside, remote, "node w gone", dir);
            }
            Files.copy(withPeer.resolve("nodes/b.yaml"), repo.resolve("nodes/b.yaml"));
            Map<String, Double> before = phaseSeconds(http(inside, "GET", "/metrics"));
            long warm = applied(inside, remote, "node b and its workloads", dir);
            Map<String, Double> after = phaseSeconds(http(inside, "GET", "/metrics"));
            Map<String, Long> took = new LinkedHashMap<>();
            for (String phase : List.of("read", "prepare", "observe", "plan", "execute", "verify")) { // in their order
                took.put(phase, Math.round((after.getOrDefault(phase, 0.0) - before.getOrDefault(phase, 0.0)) * 1000));
            }
            return new Round(first, warm, took);
        } finally {
            agent.destroy(); // SIGTERM: the agent leaves the kernel as it is, as at a restart
            agent.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long lastPost = System.nanoTime();

    /** The intent as a user has it: a work tree, pushed to a real git daemon in the node's namespace. */
    private record Remote(Path workTree, List<String> inside, String url) {
        /** Commits what the work tree holds and pushes it; the commit. */
        String push(String message) {
            String revision = commit(workTree, message);
            List<String> push = new ArrayList<>(inside);
            push.addAll(List.of("git", "-C", workTree.toString(), "push", "-q", url, "main"));
            Shell.run(push, null);
            return revision;
        }
    }

    /**
     * Pushes what the work tree holds and calls the webhook, as a Git host does once it accepted a push; the
     * milliseconds from then to the verified report.
     */
    private static long applied(NetworkNamespace inside, Remote remote, String message, Path dir) throws Exception {
        String revision = remote.push(message);
        TimeUnit.NANOSECONDS.sleep(lastPost + WEBHOOK_PAUSE_NANOS - System.nanoTime());
        long t0 = System.nanoTime();
        lastPost = t0;
        http(inside, "POST", "/reconcile");
        await(() -> applied(http(inside, "GET", "/metrics"), revision), 120, dir);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private static final Pattern PHASE_SUM = Pattern.compile("(?m)^gitwire_(?:git_read_duration_seconds_sum\\{result=\"ok\"|"
            + "reconcile_phase_duration_seconds_sum\\{phase=\"(\\w+)\")\\} (\\S+)$");

    /** The agent's time so far in its Git reads ("read") and in each phase of its reconciles, in seconds. */
    private static Map<String, Double> phaseSeconds(String metrics) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        Matcher sum = PHASE_SUM.matcher(metrics);
        while (sum.find()) {
            seconds.put(sum.group(1) == null ? "read" : sum.group(1), Double.parseDouble(sum.group(2)));
        }
        return seconds;
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
