package dev.gitwire.agent;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A process's `/metrics`: its own Prometheus registry (one per agent, so that agents in one JVM, as in the tests,
 * never share a series), the JVM's metrics and {@code gitwire_build_info}, in the Prometheus text format.
 */
public final class MetricsEndpoint {

    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    private final PrometheusRegistry registry = new PrometheusRegistry();

    public MetricsEndpoint() {
        JvmMetrics.builder().register(registry);
        Info.builder().name("gitwire_build_info").help("The gitwire build this process runs (1), by version.")
                .labelNames("version").register(registry).setLabelValues(GitwireBuild.version());
    }

    /** Where the metrics of this process are registered. */
    PrometheusRegistry registry() {
        return registry;
    }

    /** {@code gitwire_status_writer}, as an agent that stands and the `gitwire writer` process both export it. */
    void statusWriter(Supplier<Optional<Boolean>> leads) {
        GaugeWithCallback.builder().name("gitwire_status_writer")
                .help("1 on the process elected to write the status branch and announce the intent; 0 on the others.")
                .callback(cb -> leads.get().ifPresent(leading -> cb.call(leading ? 1 : 0))).register(registry);
    }

    /** Every series, as Prometheus scrapes them. */
    public String render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            TEXT.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The page, with the text format's content type. */
    AgentHttpServer.Response page() {
        return new AgentHttpServer.Response(200, TEXT.getContentType(), render().getBytes(StandardCharsets.UTF_8));
    }
}
