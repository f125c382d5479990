package dev.gitwire.bench;

import dev.gitwire.agent.ClusterWriter;
import dev.gitwire.cluster.IntentNotice;
import dev.gitwire.cluster.StatusConfigMaps;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.Shell;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Issue 17, point 4: N simulated agents against fabric8's mock API server (CRUD) and a real `git daemon`. One
 * writer, elected through the Lease, polls the intent (a real fetch, every 2 s here), announces the new
 * revision; the N agents hear it, apply it (simulated) and write their status to the API; the writer folds
 * them into the status branch. T runs from the commit of the new revision to the last node's file read back
 * from the branch. The agents' own fetch of the announced revision (one per node per revision, each node
 * verifying the intent itself) is not simulated: it is the same with or without the writer.
 */
public final class ClusterStatusBenchmark {

    private static final String NAMESPACE = "gitwire-system";
    private static final String BRANCH = "gitwire/status";

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int nodes = args.integer(0, 5000);
        Path root = Files.createTempDirectory("gitwire-bench-cluster-status");
        KubernetesMockServer api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        api.init();
        ExecutorService agents = Executors.newFixedThreadPool(16);
        try (GitServer git = new GitServer(root.resolve("served")); KubernetesClient client = api.createClient()) {
            String intentUrl = git.create("intent");
            String statusUrl = git.create("status");
            Path work = root.resolve("work");
            commit(work, intentUrl, "first");
            PrivateKey key = PrivateKey.generate(new SecureRandom());

            AtomicInteger fetches = new AtomicInteger();
            GitRemote intent = new GitRemote(intentUrl, root.resolve("leader-intent"), GitAccess.anonymous());
            GitRemote status = new GitRemote(statusUrl, root.resolve("leader-status"), GitAccess.anonymous());
            ClusterWriter writer = new ClusterWriter(client, NAMESPACE, "node-0",
                    new StatusBranch(status, GitAccess.anonymous(), BRANCH), ClusterWriter.FOLD_INTERVAL);
            // the N agents: each applies what the writer announces and writes its status to the API
            IntentNotice heard = new IntentNotice(client, NAMESPACE);
            heard.start(() -> heard.announced().ifPresent(revision -> {
                for (int i = 0; i < nodes; i++) {
                    String node = "node-" + i;
                    agents.execute(() -> report(client, node, key, revision));
                }
            }));
            writer.start(() -> { }, (event, message) -> { },
                    (event, message) -> System.err.println(event + ": " + message));
            Thread poller = new Thread(() -> poll(intent, writer, fetches), "leader-poll");
            poller.setDaemon(true);
            poller.start();

            GitRemote reader = new GitRemote(statusUrl, root.resolve("reader"), GitAccess.anonymous());
            String first = "main@sha1:" + head(intentUrl);
            long setup = System.nanoTime();
            awaitAll(reader, nodes, first, Duration.ofMinutes(10));
            long setupMs = (System.nanoTime() - setup) / 1_000_000;

            int pushesBefore = commits(git.path("status"));
            int fetchesBefore = fetches.get();
            long t0 = System.nanoTime();
            commit(work, intentUrl, "second");
            String second = "main@sha1:" + head(intentUrl);
            awaitAll(reader, nodes, second, Duration.ofMinutes(10));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            int pushes = commits(git.path("status")) - pushesBefore;
            int fetched = fetches.get() - fetchesBefore;

            int quietPushes = commits(git.path("status"));
            int quietFetches = fetches.get();
            drain(api);
            long writerCpu = cpuNanos("gitwire-writer");
            Thread.sleep(20_000); // steady state: nothing changes
            long steadyCpu = (cpuNanos("gitwire-writer") - writerCpu) / 1_000_000;
            Map<String, Integer> requests = drain(api);
            System.out.printf("(first revision on the branch for all after %d ms; in 20 s of steady state: %d git"
                            + " pushes, %d intent fetches, the writer's thread %d ms of CPU, API requests %s)%n", setupMs,
                    commits(git.path("status")) - quietPushes, fetches.get() - quietFetches, steadyCpu, requests);
            System.out.printf("status %d nodes: all on the branch after %d ms, %d git pushes, %d intent fetches%n",
                    nodes, millis, pushes, fetched);
            writer.close();
            heard.close();
            intent.close();
            status.close();
            reader.close();
        } finally {
            agents.shutdownNow();
            api.destroy();
            Shell.run("rm", "-rf", root.toString());
        }
    }

    /** The requests the API server received since the last drain, counted by method and kind of path. */
    private static Map<String, Integer> drain(KubernetesMockServer api) throws InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        for (RecordedRequest r = api.takeRequest(0, TimeUnit.SECONDS); r != null;
                r = api.takeRequest(0, TimeUnit.SECONDS)) {
            String path = r.getPath();
            String kind = path.contains("watch=true") ? "watch" : path.contains("/configmaps") && !path.contains("/configmaps/")
                    ? "list-configmaps" : path.contains("/leases/") ? "lease" : "other";
            counts.merge(r.getMethod() + " " + kind, 1, Integer::sum);
        }
        return counts;
    }

    /** CPU time of the live threads named {@code name}, in nanoseconds. */
    private static long cpuNanos(String name) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                .mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.getId()))).sum();
    }

    /** The writer's agent: fetches the intent every 2 s and announces what it fetched (verification aside). */
    private static void poll(GitRemote intent, ClusterWriter writer, AtomicInteger fetches) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Optional<ObjectId> head = intent.fetch("main");
                fetches.incrementAndGet();
                head.ifPresent(h -> writer.fetched("main@sha1:" + h.name()));
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                System.err.println("intent fetch failed: " + e.getMessage());
            }
        }
    }

    private static void report(KubernetesClient client, String node, PrivateKey key, String revision) {
        NodeStatus status = new NodeStatus(node, Optional.of(key.publicKey().base64()), 51820, Optional.of(revision),
                NodeStatus.Phase.Ready,
                List.of(new NodeStatus.Condition("Converged", "True", "Verified", "the kernel matches the intent")),
                Optional.of(new NodeStatus.Dataplane("gitwire0", "kernel", 1440, "eth0 MTU 1500 minus 60", 4999,
                        555_000, 555_000, true, 0, 0)),
                List.of());
        try {
            new StatusConfigMaps(client, NAMESPACE).publish(status, 0);
        } catch (Exception e) {
            System.err.println(node + ": status not written: " + e.getMessage());
        }
    }

    /** Waits until every node's file on the branch names {@code revision}, read back through the real reader. */
    private static void awaitAll(GitRemote reader, int nodes, String revision, Duration timeout) throws Exception {
        StatusBranch branch = new StatusBranch(reader, GitAccess.anonymous(), BRANCH);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, NodeStatus> all = branch.readAll();
            long on = all.values().stream().filter(s -> s.observedRevision().equals(Optional.of(revision))).count();
            if (on == nodes) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(on + " of " + nodes + " nodes on " + revision + " after " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    private static void commit(Path work, String url, String message) {
        if (!Files.isDirectory(work.resolve(".git"))) {
            Shell.run("git", "init", "-q", "-b", "main", work.toString());
        }
        Shell.run("git", "-C", work.toString(), "-c", "user.name=bench", "-c", "user.email=bench@gitwire.dev", "commit",
                "-q", "--allow-empty", "-m", message);
        Shell.run("git", "-C", work.toString(), "push", "-q", url, "main");
    }

    private static String head(String url) {
        return Shell.run("git", "ls-remote", url, "refs/heads/main").split("\\s+")[0];
    }

    private static int commits(Path bare) {
        Shell.Result count = Shell.tryRun(List.of("git", "-C", bare.toString(), "rev-list", "--count", BRANCH), null);
        return count.exitCode() == 0 ? Integer.parseInt(count.output().strip()) : 0;
    }
}
