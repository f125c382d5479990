package dev.gitwire.agent;

import dev.gitwire.cluster.IntentNotice;
import dev.gitwire.cluster.StatusWatch;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.status.StatusDestination;
import dev.gitwire.status.StatusFile;
import dev.gitwire.status.StatusUnavailableException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The one writer of Git in a cluster with Kubernetes. Every agent runs one; the Lease {@value #LEASE} elects
 * which leads. The leader follows the nodes' statuses in the API ({@link StatusWatch}) and folds them into the
 * status branch every fold interval, one commit for all that changed ({@link StatusBranch#fold}), and announces
 * the intent revision its agent fetched and verified ({@link IntentNotice}). A leader that is lost is replaced
 * within the Lease duration; a fold commits the difference between the API and the branch, so nothing is lost or
 * committed twice.
 */
public final class ClusterWriter implements AutoCloseable {

    static final String LEASE = "gitwire-writer";
    public static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    public static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
    /** How often the leader folds: the status branch's commits are bounded by it, not by the cluster's size. */
    public static final Duration FOLD_INTERVAL = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final String namespace;
    private final String identity;
    private final StatusBranch branch;
    private final Duration foldInterval;
    private final IntentNotice notice;
    /** Events for the agent's log, (event, message): what happens, and what failed. */
    private volatile BiConsumer<String, String> log = (event, message) -> { };
    private volatile BiConsumer<String, String> warn = (event, message) -> { };
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gitwire-writer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean leading;
    /** While leading: the statuses, listed once and watched since. */
    private volatile Optional<StatusWatch> statuses = Optional.empty();
    private volatile boolean closed;
    private ScheduledFuture<?> folding;
    private CompletableFuture<?> election;

    public ClusterWriter(KubernetesClient client, String namespace, String identity, StatusBranch branch, Duration foldInterval) {
        this.client = client;
        this.namespace = namespace;
        this.identity = identity;
        this.branch = branch;
        this.foldInterval = foldInterval;
        this.notice = new IntentNotice(client, namespace);
    }

    /** Joins the election and watches the announced revision; {@code onAnnounced} runs when it changes. */
    public void start(Runnable onAnnounced, BiConsumer<String, String> log, BiConsumer<String, String> warn) {
        this.log = log;
        this.warn = warn;
        notice.start(onAnnounced);
        elect();
    }

    private synchronized void elect() {
        if (closed) {
            return;
        }
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder().withName(LEASE)
                .withLock(new SaneLeaseLock(namespace, LEASE, identity, Clock.systemUTC(),
                        message -> warn.accept("writer", message)))
                .withLeaseDuration(LEASE_DURATION).withRenewDeadline(RENEW_DEADLINE).withRetryPeriod(RETRY_PERIOD)
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::lead, this::follow,
                        leader -> log.accept("writer", "the status writer is " + leader)))
                .build()).build().start();
        // an election ends when this agent loses the lead (or never got it and the API failed): stand again
        election.whenComplete((done, failure) -> {
            if (!closed) {
                timer.schedule(this::elect, RETRY_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private synchronized void lead() {
        leading = true;
        stopWatching();
        statuses = Optional.of(StatusWatch.start(client, namespace));
        log.accept("writer", identity + " leads: folds the statuses into the status branch every "
                + foldInterval.toSeconds() + "s and announces the intent revision");
        folding = timer.scheduleWithFixedDelay(this::foldAndSay, 0, foldInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void follow() {
        leading = false;
        if (folding != null) {
            folding.cancel(false);
        }
        stopWatching();
    }

    private synchronized void stopWatching() {
        statuses.ifPresent(StatusWatch::close);
        statuses = Optional.empty();
    }

    public boolean leading() {
        return leading;
    }

    /** The revision the writer announced last, if any. */
    public Optional<String> announced() {
        return notice.announced();
    }

    /** Announces the revision this agent just fetched and verified, when it leads. */
    public void fetched(String revision) {
        if (leading) {
            try {
                notice.announce(revision);
            } catch (KubernetesClientException e) {
                warn.accept("writer", "revision " + revision + " not announced: " + e.getMessage()
                        + "; the agents fetch on their fallback poll");
            }
        }
    }

    private void foldAndSay() {
        try {
            StatusDestination.Published folded = fold();
            if (folded.committed()) {
                log.accept("status", "folded: \"" + folded.message() + "\"");
            }
        } catch (StatusUnavailableException | IOException | RuntimeException e) {
            warn.accept("status", "not folded: " + e.getMessage() + "; the next fold tries again");
        }
    }

    /** One fold: every node's status in the API that differs from the branch, in one commit; none before the list. */
    StatusDestination.Published fold() throws StatusUnavailableException, IOException {
        Optional<StatusWatch> watch = statuses;
        if (watch.isPresent() && !watch.get().synced() && watch.get().age().compareTo(LEASE_DURATION) > 0) {
            throw new StatusUnavailableException("the node statuses are not listed from the Kubernetes API after "
                    + watch.get().age().toSeconds() + " s", null);
        }
        if (watch.isEmpty() || !watch.get().synced()) {
            return new StatusDestination.Published(false, "", 0);
        }
        List<String> ignored = new ArrayList<>();
        List<StatusFile> files = watch.get().files(ignored);
        ignored.forEach(i -> warn.accept("status", i));
        return branch.fold(files, identity);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (election != null) {
                election.cancel(true);
            }
        }
        timer.shutdownNow();
        stopWatching();
        notice.close();
    }
}
