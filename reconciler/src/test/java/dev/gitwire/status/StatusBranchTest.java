package dev.gitwire.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Shell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status branch on a real `git daemon`, written by many nodes at once. */
public class StatusBranchTest {

    private static final String BRANCH = "gitwire/status";

    @TempDir
    Path tmp;

    public static NodeStatus status(String node, PrivateKey key, String revision, int allowedIps) {
        return new NodeStatus(node, Optional.of(key.publicKey().base64()), 51820, Optional.of(revision),
                NodeStatus.Phase.Ready,
                List.of(new NodeStatus.Condition("Converged", "True", "Verified", "the kernel matches the intent")),
                Optional.of(new NodeStatus.Dataplane("gitwire0", "userspace", 1440, "eth0 MTU 1500 minus 60",
                        1, allowedIps, allowedIps, false, 0, 0)),
                List.of()); // the one peer is encrypted to: no peer is left out
    }

    @Test
    void twentyNodesPushingAtOnceAllLandEachCommitARealChange() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            int nodes = 20;
            List<PrivateKey> keys = new ArrayList<>();
            SecureRandom random = new SecureRandom();
            for (int i = 0; i < nodes; i++) {
                keys.add(PrivateKey.generate(random));
            }
            ExecutorService pool = Executors.newFixedThreadPool(nodes);
            List<Future<StatusBranch.Published>> results = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    try (GitRemote remote = new GitRemote(url, tmp.resolve("node-" + n), GitAccess.anonymous())) {
                        // paced as a cluster of one: no spread, so that the pushes collide as much as they can
                        return new StatusBranch(remote, GitAccess.anonymous(), BRANCH)
                                .publish(status("node-" + n, keys.get(n), "main@sha1:" + "ab".repeat(20), 3), 1);
                    }
                }));
            }
            for (Future<StatusBranch.Published> result : results) {
                assertThat(result.get().committed()).isTrue();
            }
            pool.shutdown();

            Path bare = server.path("intent");
            String log = Shell.run("git", "-C", bare.toString(), "log", "--format=%an|%s", BRANCH);
            assertThat(log.lines()).hasSize(nodes);
            assertThat(log.lines()).allMatch(l -> l.matches("node-\\d+\\|node-\\d+: applied main@sha1:abababa, 1 peers,"
                    + " \\+3 -0 allowed IPs, Ready"));
            for (String commit : Shell.run("git", "-C", bare.toString(), "rev-list", BRANCH).lines().toList()) {
                String changed = Shell.run("git", "-C", bare.toString(), "show", "--format=%an", "--name-only", commit);
                String author = changed.lines().findFirst().orElseThrow();
                assertThat(changed.lines().skip(1).filter(l -> !l.isBlank()).toList())
                        .containsExactlyInAnyOrder("README.md", "nodes/" + author + ".yaml");
            }
            String tree = Shell.run("git", "-C", bare.toString(), "ls-tree", "-r", "--name-only", BRANCH);
            for (int i = 0; i < nodes; i++) {
                assertThat(tree).contains("nodes/node-" + i + ".yaml");
            }
            String readme = Shell.run("git", "-C", bare.toString(), "show", BRANCH + ":README.md");
            for (int i = 0; i < nodes; i++) {
                assertThat(readme).contains("| node-" + i + " | Ready |");
            }
            assertThat(readme).contains("```mermaid");

            // the whole history never holds a private key, in any encoding
            String history = Shell.run("git", "-C", bare.toString(), "log", "-p", "--all");
            for (PrivateKey key : keys) {
                assertThat(history).doesNotContain(key.base64()).doesNotContain(HexFormat.of().formatHex(key.raw()));
            }
        }
    }

    @Test
    void anUnchangedStatusMakesNoCommitAndAChangeSaysWhatChanged() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("node-b"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                assertThat(branch.publish(status("node-b", key, "main@sha1:" + "12".repeat(20), 3), 2).committed()).isTrue();
                server.stop(); // an unchanged status needs no server: the node remembers its file on the branch
                assertThat(branch.publish(status("node-b", key, "main@sha1:" + "12".repeat(20), 3), 2))
                        .isEqualTo(new StatusBranch.Published(false, "", 0));
                server.start();
                StatusBranch.Published next = branch.publish(status("node-b", key, "main@sha1:" + "3f".repeat(20), 4), 2);
                assertThat(next.message()).isEqualTo("node-b: applied main@sha1:3f3f3f3, 1 peers, +1 -0 allowed IPs, Ready");
                Map<String, NodeStatus> all = branch.readAll();
                assertThat(all.get("node-b").observedRevision()).contains("main@sha1:" + "3f".repeat(20));
                assertThat(all.get("node-b").publicKey()).contains(key.publicKey().base64());
            }
            assertThat(Shell.run("git", "-C", server.path("intent").toString(), "log", "--oneline", BRANCH).lines())
                    .hasSize(2);
        }
    }

    /** A fold reads the README's other rows from what it was given, and from the branch those it was not. */
    @Test
    void aFoldKeepsTheNodesTheApiNoLongerHasInTheReadme() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("status");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("writer"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                String revision = "main@sha1:" + "12".repeat(20);
                assertThat(branch.fold(List.of(StatusFile.of(status("node-gone", key, revision, 1)),
                        StatusFile.of(status("node-kept", key, revision, 1))), "node-kept").committed()).isTrue();
                assertThat(branch.fold(List.of(StatusFile.of(status("node-kept", key, revision, 2))), "node-kept")
                        .committed()).isTrue();
                String readme = Shell.run("git", "-C", server.path("status").toString(), "show", BRANCH + ":README.md");
                assertThat(readme).contains("node-gone").contains("node-kept");
                assertThat(branch.fold(List.of(StatusFile.of(status("node-kept", key, revision, 2))), "node-kept")
                        .committed()).as("nothing changed").isFalse();
            }
        }
    }

    @Test
    void aNodeFetchesOnlyTheTipAndKeepsEveryOtherNodesFile() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey a = PrivateKey.generate(new SecureRandom());
            PrivateKey b = PrivateKey.generate(new SecureRandom());
            try (GitRemote remoteA = new GitRemote(url, tmp.resolve("node-a"), GitAccess.anonymous());
                    GitRemote remoteB = new GitRemote(url, tmp.resolve("node-b"), GitAccess.anonymous())) {
                StatusBranch nodeA = new StatusBranch(remoteA, GitAccess.anonymous(), BRANCH);
                StatusBranch nodeB = new StatusBranch(remoteB, GitAccess.anonymous(), BRANCH);
                nodeA.publish(status("node-a", a, "main@sha1:" + "12".repeat(20), 3), 2);
                for (int allowedIps = 1; allowedIps <= 5; allowedIps++) {
                    nodeB.publish(status("node-b", b, "main@sha1:" + "12".repeat(20), allowedIps), 2);
                }

                nodeA.publish(status("node-a", a, "main@sha1:" + "3f".repeat(20), 3), 2);
                Map<String, NodeStatus> all = nodeB.readAll();
                assertThat(all).containsOnlyKeys("node-a", "node-b");
                assertThat(all.get("node-a").observedRevision()).contains("main@sha1:" + "3f".repeat(20));
                assertThat(all.get("node-b").dataplane().orElseThrow().allowedIps()).isEqualTo(5);
                assertThat(Shell.run("git", "-C", server.path("intent").toString(), "rev-list", "--count", BRANCH).trim())
                        .isEqualTo("7");
                assertThat(Shell.run("git", "-C", remoteA.repository().getDirectory().toString(), "rev-list", "--count",
                        GitRemote.trackingRef(BRANCH)).trim())
                        .as("node-a holds its own commit and the tip it was made on, not node-b's five commits")
                        .isEqualTo("2");
            }
        }
    }

    @Test
    void aServerThatIsDownOrRefusesThePushEndsThePublishAfterThreeAttempts() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("node-a"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                Path hook = server.path("intent").resolve("hooks/pre-receive");
                Files.writeString(hook, "#!/bin/sh\necho status branch is protected >&2\nexit 1\n");
                hook.toFile().setExecutable(true);
                assertThatThrownBy(() -> branch.publish(status("node-a", key, "main@sha1:" + "12".repeat(20), 3), 2))
                        .isInstanceOf(StatusUnavailableException.class)
                        .hasMessageContaining("3 attempts in a row").hasMessageContaining("REJECTED_OTHER_REASON");

                Files.delete(hook);
                server.stop();
                assertThatThrownBy(() -> branch.publish(status("node-a", key, "main@sha1:" + "12".repeat(20), 3), 2))
                        .hasMessageContaining("3 attempts in a row").hasMessageContaining("cannot fetch");
                server.start();
                assertThat(branch.publish(status("node-a", key, "main@sha1:" + "12".repeat(20), 3), 2).committed()).isTrue();
            }
        }
    }

    @Test
    void aPublishWaitingForItsTurnStopsWhenInterrupted() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("node-a"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                AtomicReference<Throwable> ended = new AtomicReference<>();
                Thread publishing = new Thread(() -> {
                    try { // a cluster so large that the first push waits for minutes
                        branch.publish(status("node-a", key, "main@sha1:" + "12".repeat(20), 3), 1_000_000);
                    } catch (Exception e) {
                        ended.set(e);
                    }
                });
                publishing.start();
                Thread.sleep(200);
                publishing.interrupt();
                publishing.join(5_000);
                assertThat(publishing.isAlive()).isFalse();
                assertThat(ended.get()).hasMessageContaining("not pushed: stopped");
            }
            assertThat(Shell.tryRun(List.of("git", "-C", server.path("intent").toString(), "rev-parse", "--verify", BRANCH),
                    null).exitCode()).as("nothing pushed").isNotZero();
        }
    }

    @Test
    void aStatusFileCountsOnlyAtThePathOfTheNodeItNames() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey real = PrivateKey.generate(new SecureRandom());
            PrivateKey forged = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("b"), GitAccess.anonymous())) {
                new StatusBranch(remote, GitAccess.anonymous(), BRANCH).publish(status("b", real, "main@sha1:" + "ab".repeat(20), 1), 1);
            }
            // another node, with the same push rights, writes a file of its own that claims node b
            GitWorkTree attacker = attacker(url);
            Files.writeString(attacker.dir().resolve("nodes/zz.yaml"),
                    StatusCodec.write(status("b", forged, "main@sha1:" + "cd".repeat(20), 1)));
            Files.writeString(attacker.dir().resolve("nodes/old-c.yaml"), "not: [a status");
            attacker.commit("claim b", List.of());
            attacker.git("push", "-q", "origin", "HEAD:refs/heads/" + BRANCH);

            try (GitRemote remote = new GitRemote(url, tmp.resolve("reader"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                Map<String, NodeStatus> read = branch.readAll();

                assertThat(read).containsOnlyKeys("b");
                assertThat(read.get("b").publicKey()).contains(real.publicKey().base64());
                assertThat(branch.ignored()).containsExactly(
                        BRANCH + ":nodes/old-c.yaml:1:15: while parsing a flow sequence: expected ',' or ']', but got"
                                + " <stream end>; ignored",
                        BRANCH + ":nodes/zz.yaml: names node b, whose status lives at nodes/b.yaml; ignored");
            }
        }
    }

    /** Another node's clone of the status branch: it holds the same push credential as every node. */
    private GitWorkTree attacker(String url) throws IOException {
        GitWorkTree attacker = new GitWorkTree(tmp.resolve("attacker"), url, Map.of());
        attacker.git("fetch", "-q", "origin", BRANCH);
        attacker.git("checkout", "-q", "-b", "status", "FETCH_HEAD");
        return attacker;
    }

    /**
     * A node with push rights writes a status file of 51 MiB of one byte (50 KiB on the wire, past JGit's stream
     * threshold): on main every reader threw LargeObjectException, and the standalone agents' intent froze. The
     * file is ignored by its size, before it is inflated, and the others' statuses are read.
     */
    @Test
    void aStatusFileTooLargeToBeOneIsIgnoredByItsSize() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey real = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("b"), GitAccess.anonymous())) {
                new StatusBranch(remote, GitAccess.anonymous(), BRANCH).publish(status("b", real, "main@sha1:" + "ab".repeat(20), 1), 1);
            }
            GitWorkTree attacker = attacker(url);
            try (var out = Files.newOutputStream(attacker.dir().resolve("nodes/evil.yaml"))) {
                byte[] block = new byte[1 << 20];
                Arrays.fill(block, (byte) 'a');
                for (int i = 0; i < 51; i++) {
                    out.write(block);
                }
            }
            attacker.commit("a status no reader can hold", List.of());
            attacker.git("push", "-q", "origin", "HEAD:refs/heads/" + BRANCH);

            try (GitRemote remote = new GitRemote(url, tmp.resolve("reader"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                assertThat(branch.readAll()).containsOnlyKeys("b");
                assertThat(branch.ignored()).containsExactly(BRANCH + ":nodes/evil.yaml: " + (51L << 20)
                        + " bytes, more than the " + StatusBranch.MAX_STATUS_BYTES + " a status may have; ignored");
            }
        }
    }

    /**
     * A node writes its own file only, but every node's README is made from all of them: a value that breaks out
     * of its table cell or of the Mermaid block would write rows for other nodes, and one with escape sequences
     * would rewrite an operator's terminal in `gitwire status`. Such a file is refused, with its line.
     */
    @Test
    void aStatusThatWouldWriteIntoOtherNodesRowsIsRefusedWithItsLine() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            String revision = "main@sha1:" + "ab".repeat(20);
            try (GitRemote remote = new GitRemote(url, tmp.resolve("b"), GitAccess.anonymous())) {
                new StatusBranch(remote, GitAccess.anonymous(), BRANCH).publish(status("b", key, revision, 1), 1);
            }
            GitWorkTree attacker = attacker(url);
            String honest = StatusCodec.write(status("mallory", key, revision, 1));
            Map<String, String> forged = Map.of(
                    "row", honest.replace(revision, "main@sha1:ab |\\n| b | Error | - | 0/9 | `stolen` |"),
                    "fence", honest.replace("peers: []",
                            "peers:\n  - name: b\n    state: \"Peered\\n```\\n# b is compromised\""),
                    "terminal", honest.replace(key.publicKey().base64(), "\"\\e[2J\\e[Hb Ready\""));
            forged.forEach((name, text) -> {
                try {
                    Files.writeString(attacker.dir().resolve("nodes/" + name + ".yaml"), text.replace("mallory", name));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            attacker.commit("forge", List.of());
            attacker.git("push", "-q", "origin", "HEAD:refs/heads/" + BRANCH);

            try (GitRemote remote = new GitRemote(url, tmp.resolve("c"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH);
                branch.publish(status("c", PrivateKey.generate(new SecureRandom()), revision, 1), 2);

                assertThat(branch.readAll()).containsOnlyKeys("b", "c");
                assertThat(branch.ignored()).hasSize(3).allSatisfy(line ->
                        assertThat(line).matches(BRANCH + ":nodes/(row|fence|terminal)\\.yaml:\\d+:\\d+: .*; ignored"));
            }
            GitWorkTree reader = new GitWorkTree(tmp.resolve("reader"), url, Map.of());
            reader.git("fetch", "-q", "origin", BRANCH);
            String readme = reader.git("show", "FETCH_HEAD:README.md");
            assertThat(readme.lines().filter(l -> l.startsWith("| b |"))).singleElement().asString().contains("| Ready |");
            assertThat(readme).doesNotContain("\u001b").doesNotContain("compromised").doesNotContain("stolen");
        }
    }

    /** Issue 18: an unchanged status is committed anyway once per heartbeat, empty, so a silent node shows. */
    @Test
    void anUnchangedStatusIsCommittedOncePerHeartbeatWithTheSameTree() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            NodeStatus ready = status("node-a", PrivateKey.generate(new SecureRandom()), "main@sha1:" + "ab".repeat(20), 1);
            try (GitRemote remote = new GitRemote(url, tmp.resolve("node-a"), GitAccess.anonymous())) {
                StatusBranch branch = new StatusBranch(remote, GitAccess.anonymous(), BRANCH, Duration.ofSeconds(1));
                assertThat(branch.publish(ready, 1).committed()).isTrue();
                assertThat(branch.publish(ready, 1).committed()).as("unchanged, within the heartbeat").isFalse();
                Thread.sleep(1100);
                StatusBranch.Published beat = branch.publish(ready, 1);

                assertThat(beat.committed()).isTrue();
                assertThat(beat.message()).isEqualTo("node-a: still Ready on main@sha1:abababa (heartbeat)");
                Path bare = server.path("intent");
                assertThat(Shell.run("git", "-C", bare.toString(), "rev-parse", BRANCH + "^{tree}"))
                        .isEqualTo(Shell.run("git", "-C", bare.toString(), "rev-parse", BRANCH + "~1^{tree}"));
            }
        }
    }
}
