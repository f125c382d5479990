package dev.gitwire.bench;

import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.testing.GitServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * N simulated nodes, each with its own cache, report a new revision at the same moment to one `git
 * daemon` on loopback: time until every node's new status is on the branch, and pushes per node.
 */
public final class StatusBenchmark {

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int nodes = args.integer(0, 200);
        Path root = Files.createTempDirectory("gitwire-bench-status");
        SecureRandom random = new SecureRandom();
        List<PrivateKey> keys = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            keys.add(PrivateKey.generate(random));
        }
        try (GitServer server = new GitServer(root.resolve("served"))) {
            String url = server.create("intent");
            round(url, root, keys, "main@sha1:" + "11".repeat(20)); // every node on the branch, old revision
            long start = System.nanoTime();
            int[] attempts = round(url, root, keys, "main@sha1:" + "22".repeat(20));
            long millis = (System.nanoTime() - start) / 1_000_000;
            Arrays.sort(attempts);
            System.out.printf("status %d nodes reporting at once: all on the branch after %d ms; pushes per node:"
                            + " median %d, p90 %d, max %d, mean %.1f%n", nodes, millis, attempts[nodes / 2],
                    attempts[nodes * 9 / 10], attempts[nodes - 1], Arrays.stream(attempts).average().orElse(0));
        } finally {
            try (var walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int[] round(String url, Path root, List<PrivateKey> keys, String revision)
            throws Exception {
        int nodes = keys.size();
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                try (GitRemote remote = new GitRemote(url, root.resolve("node-" + n), GitAccess.anonymous())) {
                    go.await();
                    NodeStatus status = new NodeStatus("node-" + n, Optional.of(keys.get(n).publicKey().base64()),
                            51820, Optional.of(revision), NodeStatus.Phase.Ready, List.of(), Optional.empty(), List.of());
                    StatusBranch.Published published = new StatusBranch(remote, GitAccess.anonymous(), "gitwire/status")
                            .publish(status, nodes);
                    if (!published.committed()) {
                        throw new IllegalStateException("node-" + n + " committed nothing");
                    }
                    return published.attempts();
                }
            }));
        }
        go.countDown();
        int[] attempts = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            attempts[i] = results.get(i).get();
        }
        pool.shutdown();
        return attempts;
    }
}
