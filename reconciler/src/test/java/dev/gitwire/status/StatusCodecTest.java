package dev.gitwire.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.FileKind;
import dev.gitwire.intent.SchemaCheck;
import dev.gitwire.intent.yaml.StrictYaml;
import dev.gitwire.keys.PrivateKey;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusCodecTest {

    @Test
    void aStatusFileIsValidAgainstItsSchemaAndReadsBackEqual() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeStatus status = StatusBranchTest.status("node-b", key, "main@sha1:" + "ab".repeat(20), 3);
        String text = StatusCodec.write(status);

        assertThat(new SchemaCheck().check("nodes/node-b.yaml", FileKind.MESH_NODE_STATUS,
                new StrictYaml().parse("nodes/node-b.yaml", text))).isEmpty();
        assertThat(StatusCodec.read(text)).contains(status);
        assertThat(text).doesNotContain(key.base64());
    }

    @Test
    void theReadmeListsEveryNodeAndDrawsTheEncryptedLinks() {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeStatus a = StatusBranchTest.status("node-a", key, "main@sha1:" + "ab".repeat(20), 3);
        NodeStatus x = StatusBranchTest.status("node-x", key, "main@sha1:" + "ab".repeat(20), 3);
        String readme = StatusReadme.render(List.of(x, a));
        assertThat(readme).contains("| node-a | Ready | main@sha1:abababa | 1/1 |")
                .contains("| node-x | Ready |")
                .contains("n_node_a <-- encrypted --> n_node_x");
        assertThat(readme.indexOf("| node-a")).isLessThan(readme.indexOf("| node-x"));
    }
}
