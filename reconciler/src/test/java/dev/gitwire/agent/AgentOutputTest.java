package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.PeerReport;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.Cidr;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class AgentOutputTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void logLinesArePlainOrOneJsonObjectEach() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        new AgentLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, clock).info("reconcile", "2 changes");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("2026-11-26T12:00:00Z info reconcile: 2 changes\n");

        bytes.reset(); // what a Git server or a file said is quoted as text: no escape sequence, no forged next line
        new AgentLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, clock).warn("intent",
                "fetch failed: remote: \u001b[2J\n2026-11-26T12:00:01Z info reconcile: converged");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("2026-11-26T12:00:00Z warn intent: fetch failed:"
                + " remote: \\u001b[2J\\u000a2026-11-26T12:00:01Z info reconcile: converged\n");

        bytes.reset();
        new AgentLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, clock).warn("no-intent", "say \"why\"");
        JsonNode line = new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8));
        assertThat(line.get("level").asText()).isEqualTo("warn");
        assertThat(line.get("event").asText()).isEqualTo("no-intent");
        assertThat(line.get("message").asText()).isEqualTo("say \"why\"");
        assertThat(line.get("time").asText()).isEqualTo("2026-11-26T12:00:00Z");
    }

    /** Issue 18: with --log-format json the libraries' logs are JSON lines too, one per record, from a level up. */
    @Test
    void librariesLogThroughTheAgentsLogAsOneJsonLineEach() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AgentLog log = new AgentLog(new PrintStream(bytes, true, StandardCharsets.UTF_8), true,
                Clock.fixed(NOW, ZoneOffset.UTC), AgentLog.Level.warn);
        try {
            log.captureLibraries();
            Logger jgit = Logger.getLogger("org.eclipse.jgit.transport.Test");
            jgit.info("not at warn");
            jgit.log(Level.WARNING, "first line\nsecond line", new IOException("reset"));
            log.info("start", "not at warn either");
            log.warn("status", "said");
        } finally {
            LogManager.getLogManager().readConfiguration(); // the JVM's default, for other tests
        }

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode library = new ObjectMapper().readTree(lines.get(0));
        assertThat(library.get("level").asText()).isEqualTo("warn");
        assertThat(library.get("event").asText()).isEqualTo("library");
        assertThat(library.get("message").asText())
                .isEqualTo("org.eclipse.jgit.transport.Test: first line\nsecond line: java.io.IOException: reset");
        assertThat(new ObjectMapper().readTree(lines.get(1)).get("event").asText()).isEqualTo("status");
    }

    /**
     * Issue 28 point 8: a routed peer that is sent traffic but has had no handshake for longer than WireGuard keeps a
     * session counts as stalled (its traffic is dropped); the per-peer series, nodes squared over a cluster, can be
     * switched off while the aggregates stay.
     */
    @Test
    void aPeerSentTrafficWithoutAHandshakeForThreeMinutesIsStalledAndPerPeerSeriesCanBeOff() {
        PublicKey peer = PrivateKey.generate(new SecureRandom()).publicKey();
        DesiredDataplane target = DesiredDataplane.absent(new DesiredDataplane.Ownership("wg", 51820, 97, 1),
                List.of(new PeerReport("node-b", PeerReport.State.PEERED, Optional.of(peer))));
        LongFunction<List<PeerState>> sent = bytes -> List.of(new PeerState(new PeerConfig(peer,
                Optional.empty(), Duration.ZERO, new TreeSet<>(List.of(Cidr.parse("10.240.0.21/32"),
                        Cidr.parse("fd00::21/128")))), Optional.of(NOW.minusSeconds(200)), 1000, bytes));
        for (boolean perPeer : List.of(true, false)) {
            AgentMetrics metrics = new AgentMetrics(perPeer, Clock.fixed(NOW, ZoneOffset.UTC));
            metrics.observed("main@sha1:abc", target, sent.apply(2000), NOW.minusSeconds(30));
            assertThat(metrics.render()).contains("gitwire_peers_handshake_stalled 0.0\n");
            metrics.observed("main@sha1:abc", target, sent.apply(2000), NOW);
            assertThat(metrics.render()).as("nothing sent: an idle peer").contains("gitwire_peers_handshake_stalled 0.0\n");
            metrics.observed("main@sha1:abc", target, sent.apply(2600), NOW);
            String text = metrics.render();
            assertThat(text).contains("gitwire_peers_handshake_stalled 1.0\n");
            if (perPeer) {
                assertThat(text).contains("gitwire_peer_sent_bytes_total{peer=\"node-b\"} 2600")
                        .contains("gitwire_peer_allowed_ips{family=\"ipv4\",peer=\"node-b\"} 1")
                        .contains("gitwire_peer_allowed_ips{family=\"ipv6\",peer=\"node-b\"} 1");
            } else {
                assertThat(text).doesNotContain("gitwire_peer_latest_handshake_age_seconds", "gitwire_peer_sent_bytes_total",
                        "gitwire_peer_received_bytes_total", "gitwire_peer_allowed_ips");
            }
        }
    }

    @Test
    void metricsAreInThePrometheusTextFormatWithPublicKeysOnly() {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        PublicKey peer = key.publicKey();
        AgentMetrics metrics = new AgentMetrics(true, Clock.fixed(NOW, ZoneOffset.UTC));
        metrics.reconciled("converged", 1500, Map.of("AddRoute", 3, "AddAllowedIp", 3));
        metrics.reconciled("converged", 500, Map.of());
        metrics.driftRepaired();
        metrics.handshakeWaited(Duration.ofMillis(700));
        metrics.gitRead(AgentMetrics.GitRead.SKIPPED, NOW.minusSeconds(120), Duration.ofMillis(40));
        metrics.gitRead(AgentMetrics.GitRead.OK, NOW.minusSeconds(90), Duration.ofMillis(40));
        metrics.kubernetes(Optional.of(false));
        metrics.error("git");
        metrics.error("kernel");
        metrics.error("git");
        metrics.gitRead(AgentMetrics.GitRead.FAILED, NOW.minusSeconds(30), Duration.ofMillis(40));
        metrics.handshakeWaited(Duration.ofSeconds(40));
        metrics.observed("main@sha1:abc", DesiredDataplane.absent(new DesiredDataplane.Ownership("wg", 51820, 99, 1),
                        List.of(new PeerReport("node-b", PeerReport.State.PEERED, Optional.of(peer)),
                                new PeerReport("node-c", PeerReport.State.DISABLED, Optional.empty()),
                                new PeerReport("node-d", PeerReport.State.AWAITING_HANDSHAKE, Optional.of(peer)))),
                List.of(new PeerState(new PeerConfig(peer, Optional.empty(), Duration.ZERO, new TreeSet<>()),
                        Optional.of(NOW.minusSeconds(42)), 1000, 2000)), NOW);

        String text = metrics.render();

        assertThat(text).contains("# TYPE gitwire_reconciles_total counter\ngitwire_reconciles_total{result=\"converged\"} 2.0\n")
                .contains("# TYPE gitwire_reconcile_duration_seconds histogram\n")
                .contains("gitwire_reconcile_duration_seconds_bucket{le=\"1.0\"} 1\n")
                .contains("gitwire_reconcile_duration_seconds_bucket{le=\"2.5\"} 2\n")
                .contains("gitwire_reconcile_duration_seconds_count 2\ngitwire_reconcile_duration_seconds_sum 2.0\n")
                .contains("gitwire_kernel_operations_total{kind=\"AddRoute\"} 3.0\n")
                .contains("gitwire_peers{state=\"Disabled\"} 1.0\n").contains("gitwire_peers{state=\"Peered\"} 1.0\n")
                .contains("gitwire_peer_latest_handshake_age_seconds{peer=\"node-b\"} 42.0\n")
                .contains("# TYPE gitwire_peer_received_bytes_total counter\n")
                .contains("gitwire_peer_received_bytes_total{peer=\"node-b\"} 1000.0\n")
                .contains("gitwire_peer_sent_bytes_total{peer=\"node-b\"} 2000.0\n")
                .contains("gitwire_applied_revision_info{revision=\"main@sha1:abc\"} 1\n")
                .contains("gitwire_drift_repairs_total 1.0\n")
                .contains("gitwire_peers{state=\"AwaitingHandshake\"} 1.0\n")
                .contains("# TYPE gitwire_peer_handshake_wait_seconds histogram\n")
                .contains("gitwire_peer_handshake_wait_seconds_bucket{le=\"0.5\"} 0\n")
                .contains("gitwire_peer_handshake_wait_seconds_bucket{le=\"1.0\"} 1\n")
                .contains("gitwire_peer_handshake_wait_seconds_bucket{le=\"60.0\"} 2\n")
                .contains("gitwire_peer_handshake_wait_seconds_bucket{le=\"+Inf\"} 2\n")
                .contains("gitwire_peer_handshake_wait_seconds_count 2\n")
                .contains("gitwire_git_reads_total{result=\"failed\"} 1.0\n")
                .contains("gitwire_git_reads_total{result=\"ok\"} 1.0\n")
                .contains("gitwire_git_reads_total{result=\"skipped\"} 1.0\n")
                .contains("gitwire_intent_age_seconds 90.0\n")
                .contains("gitwire_kubernetes_synced 0.0\n")
                .contains("gitwire_errors_total{kind=\"git\"} 2.0\n").contains("gitwire_errors_total{kind=\"kernel\"} 1.0\n")
                .doesNotContain(key.base64());
        assertThat(text.lines().filter(l -> l.startsWith("gitwire_")))
                .allMatch(l -> l.matches("[a-z_]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? [0-9.E]+"));
        assertThat(text).as("the JVM's own metrics and the build's version")
                .contains("jvm_memory_used_bytes{area=\"heap\"}", "gitwire_build_info{version=\"");
    }
}
