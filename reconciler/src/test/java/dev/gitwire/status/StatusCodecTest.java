package dev.gitwire.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.intent.FileKind;
import dev.gitwire.intent.SchemaCheck;
import dev.gitwire.intent.yaml.StrictYaml;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.pq.PqKeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusCodecTest {

    @Test
    void aStatusFileIsValidAgainstItsSchemaAndReadsBackEqual() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeStatus status = StatusBranchTest.status("node-b", key, "main@sha1:" + "ab".repeat(20), 3);
        String text = StatusCodec.write(status);

        assertThat(new SchemaCheck().check("nodes/node-b.yaml", FileKind.MESH_NODE_STATUS,
                new StrictYaml().parse("nodes/node-b.yaml", text))).isEmpty();
        assertThat(StatusCodec.read("nodes/node-b.yaml", text)).isEqualTo(status);
        assertThat(text).doesNotContain(key.base64());
    }

    /**
     * Issue 31: a status says when its key was made and its post-quantum key (schema-valid); one written before says
     * nothing of them.
     */
    @Test
    void theKeysAgeIsWrittenValidAndReadBack() throws Exception {
        NodeStatus ready = StatusBranchTest.status("node-b", PrivateKey.generate(new SecureRandom()),
                "main@sha1:" + "ab".repeat(20), 3);
        NodeStatus dated = new NodeStatus(ready.name(), ready.publicKey(), ready.listenPort(), ready.observedRevision(),
                ready.phase(), ready.conditions(), ready.dataplane(), ready.peers(),
                Optional.of(Instant.parse("2026-12-06T18:30:00.123Z")),
                Optional.of(PqKeyPair.generate(new SecureRandom()).publicKey().base64()));
        String text = StatusCodec.write(dated);
        assertThat(text).contains("keyCreated: 2026-12-06T18:30:00.123Z");
        assertThat(new SchemaCheck().check("nodes/node-b.yaml", FileKind.MESH_NODE_STATUS,
                new StrictYaml().parse("nodes/node-b.yaml", text))).isEmpty();
        assertThat(StatusCodec.read("nodes/node-b.yaml", text)).isEqualTo(dated);
        assertThat(StatusCodec.read("nodes/node-b.yaml", StatusCodec.write(ready)).keyCreated()).isEmpty();
    }

    @Test
    void whatAnAgentWritesReadsBackWhateverItsMessagesQuote() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeStatus ready = StatusBranchTest.status("node-b", key, "release/1.2@sha1:" + "ab".repeat(20), 3);
        NodeStatus status = new NodeStatus(ready.name(), ready.publicKey(), ready.listenPort(),
                Optional.of("dir@sha256:" + "cd".repeat(32)), NodeStatus.Phase.Degraded,
                List.of(new NodeStatus.Condition("IntentAccepted", "False", "Refused",
                        "nodes/x.yaml:3:7: unknown field \"\u001b[2J\u202e\"\nand more")),
                Optional.of(new NodeStatus.Dataplane("wg0", "kernel", 9156, "eth0 MTU 9216 minus 60", 1, 3, 3, true, 0, 0)),
                List.of(new NodeStatus.Peer("node-c", Optional.of(key.publicKey().base64()),
                        Optional.of("[fd00::3]:51820"), 2, "AwaitingHandshake", 1)));

        NodeStatus read = StatusCodec.read("nodes/node-b.yaml", StatusCodec.write(status));

        assertThat(read.conditions().get(0).message())
                .isEqualTo("nodes/x.yaml:3:7: unknown field \"\\u001b[2J\\u202e\"\nand more");
        assertThat(read.peers()).isEqualTo(status.peers());
        assertThat(read.dataplane()).isEqualTo(status.dataplane());
    }

    /**
     * Issue 28 point 9: during a rolling upgrade, this version reads what the next one writes: fields it does not
     * know (named as the schema names its own) are passed over, everything it knows is checked and read as before;
     * another apiVersion is refused, saying which.
     */
    @Test
    void aStatusOfTheNextVersionReadsWithItsNewFieldsPassedOver() throws Exception {
        NodeStatus status = StatusBranchTest.status("node-b", PrivateKey.generate(new SecureRandom()),
                "main@sha1:" + "ab".repeat(20), 3);
        String text = StatusCodec.write(status);
        String next = text.replace("  phase: Ready\n", "  phase: Ready\n  keyAgeSeconds: 86400\n"
                        + "  rotation: {nextPublicKey: abc, since: \"2027-01-01T00:00:00Z\"}\n")
                .replace("kind: MeshNodeStatus\n", "kind: MeshNodeStatus\nschemaRevision: 3\n")
                .replace("type: Converged", "type: Converged\n    lastTransitionTime: \"2027-01-01T00:00:00Z\"");
        assertThat(next).contains("keyAgeSeconds", "schemaRevision", "lastTransitionTime");

        assertThat(StatusCodec.read("nodes/node-b.yaml", next)).isEqualTo(status);
        assertThatThrownBy(() -> StatusCodec.read("nodes/node-b.yaml", next.replace("phase: Ready", "phase: Sleeping")))
                .as("a known field is checked as before").isInstanceOf(StatusRejectedException.class);
        assertThatThrownBy(() -> StatusCodec.read("nodes/node-b.yaml",
                text.replace("apiVersion: gitwire.dev/v1alpha1", "apiVersion: gitwire.dev/v1beta1")))
                .isInstanceOf(StatusRejectedException.class).hasMessageContaining("apiVersion");
    }

    /** Issue 29: a node says how many of its allowed IPs and routes are IPv6; an older status without it reads as 0. */
    @Test
    void theDataplaneSaysBothFamiliesAndAnOlderStatusReadsAsIpv4Only() throws Exception {
        NodeStatus ready = StatusBranchTest.status("node-b", PrivateKey.generate(new SecureRandom()),
                "main@sha1:" + "ab".repeat(20), 3);
        NodeStatus dual = new NodeStatus(ready.name(), ready.publicKey(), ready.listenPort(), ready.observedRevision(),
                ready.phase(), ready.conditions(), Optional.of(new NodeStatus.Dataplane("gitwire0", "kernel", 1440,
                        "eth0 MTU 1500 minus 60", 2, 8, 8, true, 4, 4)), ready.peers());
        String text = StatusCodec.write(dual);
        assertThat(text).contains("allowedIPsIPv6: 4").contains("routesIPv6: 4");
        assertThat(StatusCodec.read("nodes/node-b.yaml", text)).isEqualTo(dual);
        String older = text.replace("    allowedIPsIPv6: 4\n", "").replace("    routesIPv6: 4\n", "");
        assertThat(StatusCodec.read("nodes/node-b.yaml", older).dataplane().orElseThrow().routesIpv6()).isZero();
    }

    @Test
    void aValueThatCouldLeaveItsCellIsRefusedAtItsLine() {
        String text = StatusCodec.write(StatusBranchTest.status("node-b", PrivateKey.generate(new SecureRandom()),
                "main@sha1:" + "ab".repeat(20), 3));
        Map<String, String> forged = Map.of(
                "listenPort: 51820", "listenPort: 51820\n  \"observed\\nRevision\": x",
                "phase: Ready", "phase: Ready\n\"meta data\": {}",
                "type: Converged", "type: \"Converged | b | Ready\"",
                "message: the kernel matches the intent", "message: \"\\e]8;;https://evil\\e\\\\\"",
                "interfaceName: gitwire0", "interfaceName: \"wg0\\nb\"",
                "peers: []", "peers: [{name: \"b\\n\", state: Peered}]",
                "apiVersion: gitwire.dev/v1alpha1", "apiVersion: &a gitwire.dev/v1alpha1\nx: *a",
                "kind: MeshNodeStatus", "kind: MeshNodeStatus\n\"x\\n| b | Ready |\": 1");
        forged.forEach((honest, hostile) -> {
            assertThat(text).contains(honest);
            assertThatThrownBy(() -> StatusCodec.read("nodes/node-b.yaml", text.replace(honest, hostile)))
                    .as(hostile).isInstanceOf(StatusRejectedException.class)
                    .hasMessageMatching("nodes/node-b\\.yaml:\\d+:\\d+: [^\\x00-\\x1f]*");
        });
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

    @Test
    void theReadmeDrawsALeftOutPeerAndAboveThirtyNodesOnlyThose() {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        List<NodeStatus> many = new ArrayList<>();
        for (int i = 0; i < StatusReadme.MAX_DRAWN_MESH + 1; i++) {
            many.add(StatusBranchTest.status("node-" + i, key, "main@sha1:" + "ab".repeat(20), 3));
        }
        NodeStatus waiting = many.get(0);
        many.set(0, new NodeStatus(waiting.name(), waiting.publicKey(), waiting.listenPort(), waiting.observedRevision(),
                NodeStatus.Phase.Degraded, waiting.conditions(), waiting.dataplane(), List.of(new NodeStatus.Peer("node-1",
                        Optional.empty(), Optional.of("10.240.0.9:51820"), 3, "AwaitingHandshake", 0))));
        String readme = StatusReadme.render(many);
        assertThat(readme).contains("n_node_0 -. AwaitingHandshake .-> n_node_1").doesNotContain("encrypted -->")
                .contains("| node-0 | Degraded | main@sha1:abababa | 0/1 |");
        String few = StatusReadme.render(many.subList(0, 3));
        assertThat(few).contains("n_node_0 <-- encrypted --> n_node_2").contains("n_node_1 <-- encrypted --> n_node_2")
                .doesNotContain("n_node_0 <-- encrypted --> n_node_1");
    }
}
