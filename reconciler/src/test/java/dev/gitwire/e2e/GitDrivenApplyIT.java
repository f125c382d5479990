package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * `gitwire apply` from a Git remote with a status branch, no keys pinned: nodes publish their keys in
 * their status and learn each other's from it; an invalid commit changes nothing and is reported.
 */
@Privileged
class GitDrivenApplyIT {

    @Test
    void nodesLearnKeysFromTheStatusBranchAndKeepTheLastGoodIntent() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path bare = bareRepo(bed, "intent");
            String url = "file://" + bare;
            GitWorkTree work = enabledMesh(bed, url);
            String first = work.git("rev-parse", "HEAD").strip();

            for (Node node : bed.nodes()) { // round one: each publishes its key; nobody knows the other's yet
                Shell.Result result = apply(bed, node, url);
                assertThat(result.exitCode()).as(result.output()).isZero();
                assertThat(result.output()).contains("status: committed");
            }
            // round two, at once as a cluster would: keys come from the status branch
            bed.onEveryNode(node -> apply(bed, node, url, WAIT_FOR_HANDSHAKES)).values().forEach(result -> {
                assertThat(result.exitCode()).as(result.output()).isZero();
                assertThat(result.output()).contains("1 peers").doesNotContain("awaiting");
            });
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();

            Shell.Result status = bed.gitwire(a, "status", "--repo", url);
            assertThat(status.output()).containsPattern("node-a\\s+Ready\\s+main@sha1:" + first.substring(0, 12))
                    .containsPattern("node-b\\s+Ready");

            Path node = work.dir().resolve("nodes/node-b.yaml");
            Files.writeString(node, Files.readString(node).replace("- 10.240.0.20", "- 10.240.0.256"));
            work.commit("a typo", List.of());
            work.push(false);
            String routes = a.host().namespace().ip("route", "show", "table", "51820");
            Shell.Result planned = bed.gitwire(a, "plan", "--repo", url, "--node", "node-a", "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes");
            assertThat(planned.exitCode()).as("plan on a refused head: " + planned.output()).isEqualTo(1);
            assertThat(planned.output()).contains("keeping main@sha1:" + first);
            Shell.Result refused = apply(bed, a, url);
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(apply(bed, a, url, "--allow-last-good").exitCode()).as("as the agent would").isZero();
            assertThat(refused.output()).contains("keeping main@sha1:" + first)
                    .contains("nodes/node-b.yaml:").contains("'10.240.0.256' is not an IP address");
            assertThat(a.host().namespace().ip("route", "show", "table", "51820")).isEqualTo(routes);
            String reported = Shell.run("git", "-C", bare.toString(), "show", "gitwire/status:nodes/node-a.yaml");
            assertThat(reported).contains("reason: Refused").contains("nodes/node-b.yaml:")
                    .contains("phase: Degraded");
        }
    }

    @Test
    void theStatusBranchCanLiveInARepoOfItsOwn() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path intent = bareRepo(bed, "intent");
            enabledMesh(bed, "file://" + intent);
            GitServer server = bed.gitServer(); // the status repo on a Git server of its own, on the bridge
            String status = server.create("status");

            for (int round = 1; round <= 2; round++) { // keys published in round one, learnt in round two
                bed.onEveryNode(node -> apply(bed, node, "file://" + intent, "--status-repo", status,
                        WAIT_FOR_HANDSHAKES[0], WAIT_FOR_HANDSHAKES[1])).values()
                        .forEach(result -> assertThat(result.exitCode()).as(result.output()).isZero());
            }
            assertThat(Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 20)).isTrue();
            assertThat(Shell.run("git", "-C", server.path("status").toString(), "ls-tree", "--name-only", "-r",
                    "gitwire/status")).contains("nodes/node-a.yaml", "nodes/node-b.yaml", "README.md");
            assertThat(Shell.run("git", "-C", intent.toString(), "branch", "--list")).doesNotContain("gitwire/status");
            assertThat(a.host().namespace().ip("route", "show", "table", "51820"))
                    .as("the status repo's server is never routed into the tunnel")
                    .contains("throw " + URI.create(status).getHost());
            Shell.Result listed = bed.gitwire(a, "status", "--repo", "file://" + intent, "--status-repo", status);
            assertThat(listed.output()).containsPattern("node-a\\s+Ready").containsPattern("node-b\\s+Ready");
            assertThat(listed.exitCode()).as(listed.output()).isZero();
            assertThat(bed.gitwire(a, "apply", "--repo", "file://" + intent, "--node", "node-a", "--state-dir",
                    a.stateDir().toString(), "--no-kubernetes", "--status-repo", status).exitCode())
                    .as("--status-repo without --status-branch").isEqualTo(2);
        }
    }

    private static Path bareRepo(Testbed bed, String name) {
        Path bare = bed.root().resolve(name + ".git");
        Shell.run("git", "init", "-q", "--bare", "-b", "main", bare.toString());
        return bare;
    }

    /** The mesh switched on for the bed's nodes, no key pinned, pushed to {@code url} as its first commit. */
    private static GitWorkTree enabledMesh(Testbed bed, String url) throws Exception {
        GitWorkTree work = new GitWorkTree(bed.root().resolve("work"), url, Map.of());
        bed.writeIntent(work.dir(), Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of(), Testbed.Inventory.UNPINNED);
        work.commit("enable encryption", List.of());
        work.push(false);
        return work;
    }

    /** Nodes applying together: on a busy machine a first handshake can take longer than the default 5 s. */
    private static final String[] WAIT_FOR_HANDSHAKES = {"--handshake-timeout", "30s"};

    private static Shell.Result apply(Testbed bed, Node node, String url, String... more) {
        List<String> args = new ArrayList<>(List.of("apply", "--repo", url, "--node", node.name(),
                "--state-dir", node.stateDir().toString(), "--no-kubernetes", "--status-branch", "gitwire/status"));
        args.addAll(List.of(more));
        return bed.gitwire(node, args.toArray(String[]::new));
    }
}
