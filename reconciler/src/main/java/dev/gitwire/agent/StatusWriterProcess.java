package dev.gitwire.agent;

import dev.gitwire.source.IntentSource;
import dev.gitwire.source.SourceUnavailableException;
import dev.gitwire.status.StatusBranch;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * `gitwire writer`: the one process of a cluster that pushes the status branch, so that only it holds the push
 * credential (a Deployment with a ServiceAccount and Secret of its own; the agents publish their status objects
 * and follow its announcements). It stands for the Lease election (replicas fail over), folds the agents' status
 * objects into the branch, and polls the intent to announce each new revision, which the agents verify themselves.
 * Nothing of a node's kernel is touched here.
 */
public final class StatusWriterProcess implements AutoCloseable {

    private final ClusterWriter writer;
    private final IntentSource intent;
    private final Duration poll;
    private final AgentLog log;
    private final AgentHttpServer http;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final MetricsEndpoint metrics = new MetricsEndpoint();

    public StatusWriterProcess(KubernetesClient client, String namespace, String identity, IntentSource intent,
            StatusBranch branch, Duration poll, InetSocketAddress httpAddress, AgentLog log) throws IOException {
        this.writer = new ClusterWriter(client, namespace, identity, branch, ClusterWriter.FOLD_INTERVAL);
        this.intent = intent;
        this.poll = poll;
        this.log = log;
        this.http = new AgentHttpServer(httpAddress, Map.of(
                "/healthz", request -> AgentHttpServer.Response.text(200, "ok\n"),
                "/metrics", request -> metrics.page()));
        metrics.statusWriter(() -> Optional.of(writer.leading()));
    }

    /** Where /healthz and /metrics are served. */
    public InetSocketAddress httpAddress() {
        return http.address();
    }

    /** Runs until {@link #close()}: the election, the folds, and a read of the intent every poll. */
    public void run() throws InterruptedException {
        http.start();
        writer.start(() -> { }, log::info, log::warn);
        log.info("start", "status writer, poll every " + AgentLoop.duration(poll));
        do {
            try {
                IntentSource.Sourced read = intent.read();
                read.refusal().ifPresent(r -> log.warn("intent", "keeping " + read.revision() + ": " + r));
                writer.fetched(read.revision().toString()); // said only while leading
            } catch (SourceUnavailableException | IOException | RuntimeException e) {
                log.warn("no-intent", e.getMessage() + "; nothing announced; retry in " + poll.toSeconds() + "s");
            }
        } while (!closed.await(poll.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Whether this replica leads: it then folds and announces. */
    public boolean leading() {
        return writer.leading();
    }

    /** Stops the loop and releases the Lease; once, however often called (SIGTERM, then the caller's close). */
    @Override
    public synchronized void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closed.countDown();
        writer.close();
        http.close();
        intent.close();
    }
}
