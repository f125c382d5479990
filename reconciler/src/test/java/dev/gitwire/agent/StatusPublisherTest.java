package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.status.StatusBranchTest;
import dev.gitwire.testing.GitServer;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusPublisherTest {

    @TempDir
    Path tmp;

    /** The intent's branch is the operator's to name; one whose name would break the README is said, not pushed. */
    @Test
    void aStatusTheOtherNodesWouldRefuseIsNotPushedAndTheAgentSaysWhy() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            try (GitRemote remote = new GitRemote(url, tmp.resolve("cache"), GitAccess.anonymous());
                    StatusPublisher publisher = new StatusPublisher(new StatusBranch(remote, GitAccess.anonymous(),
                            "gitwire/status"))) {
                NodeStatus odd = StatusBranchTest.status("node-a", key, "team|a@sha1:" + "ab".repeat(20), 1);
                StatusPublisher.Outcome refused = publisher.publish(odd, 1);

                assertThat(refused.result()).isEqualTo(StatusPublisher.Result.NOT_WRITTEN);
                assertThat(refused.line()).startsWith("status: not written, the other nodes would refuse it: this node's"
                        + " status:").contains("status.observedRevision: does not match");
                assertThat(publisher.publish(StatusBranchTest.status("node-a", key, "team-a@sha1:" + "ab".repeat(20), 1), 1)
                        .result()).isEqualTo(StatusPublisher.Result.COMMITTED);
            }
        }
    }
}
