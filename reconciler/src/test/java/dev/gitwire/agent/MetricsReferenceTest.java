package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.PeerReport;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.testing.IntentFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** docs/metrics.md names every metric the agent exports, with its type, and nothing else (issue 18). */
class MetricsReferenceTest {

    @Test
    void theReferenceAndTheAgentsOutputAgree() throws Exception {
        AgentMetrics metrics = new AgentMetrics(true, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        metrics.reconciled("converged", 10, Map.of("AddRoute", 1));
        metrics.reconcilePhase("plan", Duration.ofMillis(1));
        metrics.gitRead(AgentMetrics.GitRead.OK, Instant.EPOCH, Duration.ofMillis(40));
        metrics.kubernetes(Optional.of(true));
        metrics.writer(Optional.of(false));
        metrics.statusPublished("committed");
        metrics.error("git");
        metrics.handshakeWaited(Duration.ofSeconds(1));
        metrics.backend(new BackendChoice(BackendChoice.KERNEL, "the kernel has WireGuard"));
        metrics.admissionPolicies(List.of("gitwire-node-self-only"));
        metrics.unsettableSysctls(List.of("net.ipv4.conf.all.src_valid_mark=1"));
        metrics.unreachable(List.of("node-b"));
        PublicKey peer = PrivateKey.generate(new SecureRandom()).publicKey();
        metrics.withoutPostQuantum(1);
        metrics.key(new KeyRotation.KeyLife(peer, Optional.of(Instant.EPOCH), Optional.of(Duration.ofDays(30)),
                Optional.empty(), false));
        metrics.observed("main@sha1:abc", DesiredDataplane.absent(new DesiredDataplane.Ownership("wg", 1, 2, 3),
                List.of(new PeerReport("node-b", PeerReport.State.PEERED, Optional.of(peer)))),
                List.of(new PeerState(new PeerConfig(peer, Optional.empty(), Duration.ZERO, new TreeSet<>()),
                        Optional.of(Instant.EPOCH), 1, 1)), Instant.EPOCH);
        Map<String, String> exported = new TreeMap<>();
        // the JVM's metrics (jvm_*, process_*) are the Prometheus client's, documented there
        Matcher type = Pattern.compile("(?m)^# TYPE (gitwire_\\S+) (\\S+)$").matcher(metrics.render());
        while (type.find()) {
            exported.put(type.group(1), type.group(2));
        }

        String reference = Files.readString(IntentFixtures.examplesRepo().resolveSibling("docs").resolve("metrics.md"));
        Map<String, String> documented = new TreeMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `(gitwire_\\w+)` \\| (\\w+)").matcher(reference);
        while (row.find()) {
            documented.put(row.group(1), row.group(2));
        }

        assertThat(documented).isEqualTo(exported);

        // the alerts and the dashboard of the chart (deploy/monitoring/ has the same rules) name only exported metrics
        Path monitoring = IntentFixtures.examplesRepo().resolveSibling("deploy").resolve("chart/files");
        String rules = Files.readString(monitoring.resolve("prometheus-rules.yaml"));
        Object parsed = new Load(LoadSettings.builder().build())
                .loadFromString(rules);
        assertThat(parsed).isInstanceOf(Map.class);
        String dashboard = Files.readString(monitoring.resolve("grafana-dashboard.json"));
        assertThat(new ObjectMapper().readTree(dashboard).get("panels")).isNotEmpty();
        // and so do the series of the rules' unit tests (deploy/monitoring/prometheus-rules.test.yaml)
        String ruleTests = Files.readString(monitoring.getParent().getParent().resolve("monitoring/prometheus-rules.test.yaml"));
        Matcher used = Pattern.compile("gitwire_[a-z_]+").matcher(rules + dashboard + ruleTests);
        Set<String> series = new TreeSet<>();
        while (used.find()) {
            series.add(used.group().replaceAll("_(bucket|sum|count)$", ""));
        }
        assertThat(series).isNotEmpty().allMatch(exported::containsKey);
        Set<String> counters = exported.entrySet().stream().filter(e -> e.getValue().equals("counter"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(counters).allMatch(name -> name.endsWith("_total"));
    }
}
