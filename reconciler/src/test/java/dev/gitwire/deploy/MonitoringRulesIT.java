package dev.gitwire.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 28 point 8: the alerting rules are valid for Prometheus (promtool, Debian's prometheus package), each alert
 * fires on the series the agent exports and resolves when they recover (deploy/monitoring/prometheus-rules.test.yaml),
 * and each names a runbook that docs/operations.md has.
 */
class MonitoringRulesIT {

    private static final Path DEPLOY = IntentFixtures.examplesRepo().resolveSibling("deploy");
    private static final Path RULES = DEPLOY.resolve("chart/files/prometheus-rules.yaml");

    @BeforeAll
    static void promtool() {
        boolean installed = Shell.tryRun(List.of("sh", "-c", "command -v promtool"), null).exitCode() == 0;
        if (!installed && "required".equals(System.getenv("GITWIRE_PRIVILEGED_TESTS"))) {
            throw new IllegalStateException("GITWIRE_PRIVILEGED_TESTS=required, but promtool is not installed"
                    + " (Debian's prometheus package; make test installs it)");
        }
        Assumptions.assumeTrue(installed, "promtool is not installed (Debian's prometheus package; make test installs it)");
    }

    @Test
    void promtoolChecksTheRules() {
        Shell.Result checked = Shell.tryRun(List.of("promtool", "check", "rules", RULES.toString()), null);
        assertThat(checked.exitCode()).as(checked.output()).isZero();
    }

    @Test
    void everyAlertFiresAndResolvesInPromtoolsUnitTests() throws Exception {
        Path tests = DEPLOY.resolve("monitoring/prometheus-rules.test.yaml");
        Shell.Result tested = Shell.tryRun(List.of("promtool", "test", "rules", tests.toString()), null);
        assertThat(tested.exitCode()).as(tested.output()).isZero();
        String testText = Files.readString(tests);
        for (String alert : alerts()) {
            assertThat(testText).as("a test of %s", alert).contains("alertname: " + alert + "\n");
        }
    }

    @Test
    void everyAlertNamesARunbookThatTheOperationsGuideHas() throws Exception {
        String rules = Files.readString(RULES);
        String guide = Files.readString(IntentFixtures.examplesRepo().resolveSibling("docs").resolve("operations.md"));
        for (String alert : alerts()) {
            assertThat(rules).contains("runbook_url: https://github.com/gitwire/gitwire/blob/main/docs/operations.md#"
                    + alert.toLowerCase(Locale.ROOT) + "\n");
            assertThat(guide).as("the runbook of %s", alert).containsPattern("(?m)^### " + alert + "$");
        }
    }

    /** `sum(a) or sum(b)` shows b only where a is absent: the panel never showed refused claims. */
    @Test
    void noDashboardQueryHidesOneSeriesBehindAnother() throws Exception {
        var dashboard = new ObjectMapper().readTree(
                DEPLOY.resolve("chart/files/grafana-dashboard.json").toFile());
        List<String> queries = new ArrayList<>();
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> queries.add(t.path("expr").asText())));
        assertThat(queries).isNotEmpty().noneMatch(q -> q.matches(".*\\)\\s+or\\s+\\w+\\(.*"));
        assertThat(queries).contains("sum(gitwire_refused_claims)", "sum(rate(gitwire_guard_dropped_packets_total[5m]))");
    }

    private static List<String> alerts() throws Exception {
        Matcher alert = Pattern.compile("(?m)^\\s+- alert: (\\w+)$").matcher(Files.readString(RULES));
        List<String> names = new ArrayList<>();
        while (alert.find()) {
            names.add(alert.group(1));
        }
        assertThat(names).hasSizeGreaterThan(10);
        return names;
    }
}
