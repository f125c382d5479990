package dev.gitwire.cli;

import static dev.gitwire.cli.CliRun.gitwire;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Kubeconfig;
import dev.gitwire.testing.Shell;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: `gitwire status` lists every node of the inventory, `Missing` when it never reported, with
 * when its status last changed, and exits 0 only when every node is Ready (or Disabled); a local path
 * works as the repo.
 */
@EnableKubernetesMockClient(crud = true)
class StatusCommandTest {

    @TempDir
    Path tmp;

    KubernetesClient client;

    @Test
    void everyNodeOfTheInventoryIsListedAndOnlyAllReadyExitsZero() throws Exception {
        Path bare = tmp.resolve("intent.git");
        Shell.run("git", "init", "-q", "--bare", "-b", "main", bare.toString());
        GitWorkTree work = new GitWorkTree(tmp.resolve("work"), "file://" + bare, Map.of());
        IntentFixtures.copy(IntentFixtures.resource("intent/base"), work.dir()); // node-a, node-b, node-c
        String head = work.commit("the mesh", List.of());
        work.push(false);
        publish(bare, "node-a", NodeStatus.Phase.Ready, head);
        publish(bare, "node-b", NodeStatus.Phase.Degraded, head);

        CliRun partial = gitwire("status", "--repo", bare.toString()); // a local path, not a URL
        assertThat(partial.exitCode()).isEqualTo(1);
        assertThat(partial.out()).containsPattern("node-a\\s+Ready\\s+main@sha1:" + head.substring(0, 12)
                + "\\s+2/2\\s+2/2\\s+\\d+s ago").containsPattern("node-b\\s+Degraded").containsPattern("node-c\\s+Missing\\s+-");

        JsonNode json = new ObjectMapper().readTree(gitwire("status", "--repo", bare.toString(), "--output", "json").out());
        assertThat(json).hasSize(3);
        assertThat(json.get(2).get("name").asText()).isEqualTo("node-c");
        assertThat(json.get(2).get("phase").asText()).isEqualTo("Missing");
        assertThat(json.get(0).get("reportedSecondsAgo").asLong()).isBetween(0L, 120L);
        assertThat(json.get(0).get("routesIPv4").asInt()).isEqualTo(2); // per family (issue 29)
        assertThat(json.get(0).get("routesIPv6").asInt()).isEqualTo(2);

        publish(bare, "node-b", NodeStatus.Phase.Ready, head);
        publish(bare, "node-c", NodeStatus.Phase.Disabled, head);
        assertThat(gitwire("status", "--repo", "file://" + bare).exitCode()).isZero();

        // a new intent commit that node-c never applies: Stale once the bound has passed, not before
        String next = work.commit("a new revision", List.of());
        work.push(false);
        publish(bare, "node-a", NodeStatus.Phase.Ready, next);
        publish(bare, "node-b", NodeStatus.Phase.Ready, next);
        assertThat(gitwire("status", "--repo", bare.toString()).exitCode()).as("within the bound").isZero();
        Thread.sleep(1100);
        CliRun stale = gitwire("status", "--repo", bare.toString(), "--stale-after", "1s");
        CliRun silent = gitwire("status", "--repo", bare.toString(), "--silent-after", "1s");
        assertThat(silent.out()).as("every node's last report is older than 1 s").containsPattern("node-a\\s+Stale")
                .containsPattern("node-c\\s+Stale");
        assertThat(stale.exitCode()).isEqualTo(1);
        assertThat(stale.out()).containsPattern("node-a\\s+Ready").containsPattern("node-c\\s+Stale\\s+main@sha1:"
                + head.substring(0, 12));

        // with the Kubernetes API: a node of the cluster that the inventory lacks is listed too
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-x")
                .endMetadata().build()).create();
        Path kubeconfig = Kubeconfig.write(tmp.resolve("kubeconfig"), client.getMasterUrl().toString());
        CliRun cluster = gitwire("status", "--repo", bare.toString(), "--kubeconfig", kubeconfig.toString());
        assertThat(cluster.out()).containsPattern("node-x\\s+Missing");
        assertThat(cluster.exitCode()).isEqualTo(1);
    }

    private void publish(Path bare, String node, NodeStatus.Phase phase, String head) throws Exception {
        try (GitRemote remote = new GitRemote("file://" + bare, tmp.resolve("cache-" + node), GitAccess.anonymous())) {
            new StatusBranch(remote, GitAccess.anonymous(), "gitwire/status").publish(new NodeStatus(node,
                    Optional.of(PrivateKey.generate(new SecureRandom()).publicKey().base64()), 51820,
                    Optional.of("main@sha1:" + head), phase, List.of(), Optional.of(new NodeStatus.Dataplane("gitwire0",
                            "kernel", 1440, "eth0 MTU 1500 minus 60", 2, 4, 4, false, 2, 2)), List.of()), 1);
        }
    }
}
