package dev.gitwire.agent;

import dev.gitwire.dataplane.Dataplane;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.schedule.Backoff;
import dev.gitwire.source.SourceUnavailableException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * `gitwire run`: one reconcile at a time, on a single thread, started by a kernel change to what gitwire
 * owns, a change in the cluster, a retry after a failure (backing off up to the poll interval), or a new
 * read of Git: the poll and POST /reconcile read Git on a thread of their own, then reconcile, so that a
 * Git server that hangs never holds up drift repair. Triggers that arrive during a reconcile are coalesced
 * into the next one, which starts at least 100 ms after the last; one after a quiet spell reconciles at once.
 * Stopping leaves the dataplane exactly as it is, so traffic keeps flowing.
 */
public final class AgentLoop implements AutoCloseable {

    /** Reconciles start at least this far apart: a burst of events waits this long and is taken in one. */
    private static final Duration COALESCE = Duration.ofMillis(100);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final double RETRY_JITTER = 0.2;
    /** How long close() waits for a Git read under way to end. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** At most one Git read asked for from outside (a webhook, an intent announcement) per this long. */
    static final Duration ASKED_READS_EVERY = Duration.ofSeconds(5);
    /** How far apart the agents of a cluster read after one announcement: not every node to the Git host at once. */
    static final Duration ANNOUNCEMENT_SPREAD = Duration.ofSeconds(5);

    private final Agent agent;
    private final Duration interval;
    private final AgentLog log;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final LinkedBlockingQueue<Trigger> triggers = new LinkedBlockingQueue<>();
    /** What the queue holds: a trigger waiting already is not queued again (the kernel tells of every route added). */
    private final Set<Trigger> queued = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "gitwire-timer"));
    private final ExecutorService gitReader = Executors.newSingleThreadExecutor(r -> daemon(r, "gitwire-git"));
    private final AtomicBoolean readQueued = new AtomicBoolean();
    private final AtomicBoolean handshakeCheckPending = new AtomicBoolean();
    private final AtomicReference<Ownership> owned = new AtomicReference<>();
    private final AgentHttpServer http;
    private Optional<AgentHttpServer> metricsOnly = Optional.empty();
    private final Optional<WebhookSecret> webhook;
    private final AtomicLong nextAskedRead = new AtomicLong(System.nanoTime());
    private final AtomicBoolean askedReadPending = new AtomicBoolean();
    private final Health health;
    private volatile boolean stopping;
    private final List<Dataplane.Watch> watches = new CopyOnWriteArrayList<>();
    /** The reconciles' retries (the loop's thread), never longer apart than the poll interval. */
    private final Backoff.Retries retries;
    /** The Git reads' retries (the Git thread). */
    private final Backoff.Retries readRetries;
    /** Grace periods and handshake checks: the loop's thread. */
    private final Settling settling;
    private Optional<DesiredDataplane> lastTarget = Optional.empty();
    private final OutcomeRecorder recorder;
    private BackendChoice lastBackend;

    public AgentLoop(Agent agent, Duration interval, InetSocketAddress httpAddress, AgentLog log, Clock clock,
            Optional<WebhookSecret> webhook, boolean perPeerMetrics) throws IOException {
        this.agent = agent;
        this.metrics = new AgentMetrics(perPeerMetrics, clock);
        this.interval = interval;
        // a Git host or API back after an outage meets the cluster's retries spread over a fifth of each wait
        Backoff retry = new Backoff(FIRST_RETRY, interval.compareTo(FIRST_RETRY) > 0 ? interval : FIRST_RETRY,
                RETRY_JITTER);
        this.retries = retry.retries(new Random());
        this.readRetries = retry.retries(new Random());
        this.log = log;
        this.clock = clock;
        this.settling = new Settling(clock);
        // stale: three polls missed, each with its Git deadline
        this.health = new Health(clock);
        this.recorder = new OutcomeRecorder(agent, metrics, log, health);
        this.webhook = webhook;
        this.http = new AgentHttpServer(httpAddress, Map.of(
                "/healthz", request -> answer(health.liveness()),
                "/readyz", request -> answer(health.readiness()),
                "/metrics", this::metricsPage,
                "/reconcile", this::reconcileRequested));
    }

    private AgentHttpServer.Response metricsPage(AgentHttpServer.Request request) {
        return metrics.endpoint().page();
    }

    /**
     * Also serves `/metrics`, and nothing else, on {@code address}: for Prometheus on the node's address,
     * while the probes and the webhook stay where {@code --http-address} puts them. Before {@link #run()}.
     */
    public void serveMetrics(InetSocketAddress address) throws IOException {
        metricsOnly = Optional.of(new AgentHttpServer(address, Map.of("/metrics", this::metricsPage)));
    }

    /** Where {@link #serveMetrics} serves, when it does. */
    public Optional<InetSocketAddress> metricsAddress() {
        return metricsOnly.map(AgentHttpServer::address);
    }

    /**
     * POST /reconcile, a Git host's webhook: authenticated by the webhook secret when there is one, and
     * required to have one on an address other hosts can reach. However many arrive, at most one Git read
     * per {@link #ASKED_READS_EVERY} follows.
     */
    private AgentHttpServer.Response reconcileRequested(AgentHttpServer.Request request) {
        if (!"POST".equals(request.method())) {
            return AgentHttpServer.Response.text(405, "POST only\n");
        }
        if (webhook.isEmpty() && !http.address().getAddress().isLoopbackAddress()) {
            metrics.error("webhook");
            return AgentHttpServer.Response.text(401, "POST /reconcile on a non-loopback address needs --webhook-secret-file\n");
        }
        if (webhook.isPresent() && !webhook.get().authentic(request.headers(), request.body())) {
            metrics.error("webhook");
            return AgentHttpServer.Response.text(401, "no valid X-Hub-Signature-256 or X-Gitlab-Token\n");
        }
        askedRead("POST /reconcile", Duration.ZERO);
        return AgentHttpServer.Response.text(202, "reconcile requested\n");
    }

    /**
     * A Git read asked for from outside the agent, by a webhook or an announcement anyone who can write
     * {@code gitwire-intent} can make: at once when none was in the last {@link #ASKED_READS_EVERY}, else one
     * more after the pause (for the last push), however many were asked for; each read a random part of
     * {@code spread} later.
     */
    private void askedRead(String reason, Duration spread) {
        long now = System.nanoTime();
        long allowed = nextAskedRead.get();
        long delay = ThreadLocalRandom.current().nextLong(spread.toMillis() + 1);
        if (now - allowed >= 0 && nextAskedRead.compareAndSet(allowed, now + ASKED_READS_EVERY.toNanos())) {
            later(() -> readThenReconcile(reason), delay);
        } else if (askedReadPending.compareAndSet(false, true)) {
            later(() -> {
                askedReadPending.set(false);
                nextAskedRead.set(System.nanoTime() + ASKED_READS_EVERY.toNanos());
                readThenReconcile(reason);
            }, Math.max(0, (allowed - now) / 1_000_000) + delay);
        }
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    /** Where `/healthz`, `/readyz`, `/metrics` and `/reconcile` are served (the port chosen, when 0 was asked). */
    public InetSocketAddress httpAddress() {
        return http.address();
    }

    void trigger(Trigger trigger) {
        if (queued.add(trigger)) {
            triggers.offer(trigger);
        }
    }

    /**
     * The reconcile is about to read the kernel: every change the kernel told of until now is in that read, so no
     * reconcile is owed for it (most are the agent's own, told as it made them). One told from here on is queued.
     */
    private void kernelChangesRead() {
        triggers.removeIf(Trigger.KernelChange.class::isInstance);
        queued.removeIf(Trigger.KernelChange.class::isInstance); // after the queue: a change told meanwhile is read too
    }

    /** Reads Git on its own thread, then reconciles; a read asked for while one is waiting is the same read. */
    private void readThenReconcile(String reason) {
        if (readQueued.compareAndSet(false, true) && !stopping) {
            gitReader.execute(() -> {
                readQueued.set(false);
                read(reason);
            });
        }
    }

    private void read(String reason) {
        long start = System.nanoTime();
        try {
            boolean fetched = agent.read();
            health.intentRead();
            metrics.gitRead(fetched ? AgentMetrics.GitRead.OK : AgentMetrics.GitRead.SKIPPED, clock.instant(),
                    since(start));
            readRetries.reset();
            trigger(new Trigger.IntentRead(reason));
        } catch (SourceUnavailableException | IOException | RuntimeException e) {
            metrics.gitRead(AgentMetrics.GitRead.FAILED, clock.instant(), since(start));
            metrics.error("git");
            metrics.reconciled("no_intent", 0, Map.of());
            Duration wait = readRetries.next();
            log.warn("no-intent", e.getMessage() + "; nothing was changed; retry in " + seconds(wait));
            later(() -> readThenReconcile("retry"), wait.toMillis());
        }
    }

    /** Runs until {@link #close()}; reconciles at once, then on every trigger. */
    public void run() throws InterruptedException {
        http.start();
        metricsOnly.ifPresent(AgentHttpServer::start);
        watches.addAll(agent.watchKernel(owned::get, what -> trigger(new Trigger.KernelChange(what))));
        for (Dataplane.Watch watch : watches) {
            Thread watching = daemon(watch, watch.name());
            watching.setUncaughtExceptionHandler(this::died);
            watching.start();
        }
        timers.scheduleWithFixedDelay(() -> readThenReconcile("poll"), interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        log.info("start", "agent for node " + agent.identity().nodeName() + ", public key "
                + agent.identity().privateKey().publicKey().base64() + ", poll every " + duration(interval));
        agent.onChange(this::trigger);
        // every agent hears an announcement at once: each reads after a delay of its own, paced like a webhook
        agent.joinWriterElection(() -> askedRead("intent announced", ANNOUNCEMENT_SPREAD), log::info, log::warn);
        readThenReconcile("start");
        long lastStart = System.nanoTime() - COALESCE.toNanos();
        while (!stopping) {
            Trigger first = triggers.take();
            if (stopping) {
                break;
            }
            // the leading edge: a trigger after a quiet spell reconciles at once (a pod event, a push); one that
            // comes soon after a reconcile started waits for the rest of the burst, and all run once together
            long sinceLast = System.nanoTime() - lastStart;
            if (sinceLast < COALESCE.toNanos()) {
                TimeUnit.NANOSECONDS.sleep(COALESCE.toNanos() - sinceLast);
            }
            lastStart = System.nanoTime();
            List<Trigger> coalesced = new ArrayList<>(List.of(first));
            triggers.drainTo(coalesced);
            queued.removeAll(coalesced); // before the reconcile reads the kernel: what happens from now on is queued
            health.reconcileStarted();
            try {
                cycle(coalesced);
            } catch (RuntimeException e) { // an error of the world, not a bug: retried like a failed apply
                metrics.error("reconcile");
                health.converged(false, "the last reconcile failed: " + e);
                metrics.reconciled("error", 0, Map.of());
                log.warn("reconcile-failed", e + "; retry in " + seconds(scheduleRetry()));
            } finally {
                health.reconcileFinished();
            }
        }
    }

    private void cycle(List<Trigger> triggered) {
        if (triggered.stream().allMatch(Trigger.Signal.PRESHARED_KEY_AGREED::equals) && lastTarget.isPresent()) {
            try { // the other end installs the key now too: a reconcile's time between the two fails a handshake
                metrics.executed(agent.installPresharedKeys(lastTarget.get()).counts());
                return;
            } catch (RuntimeException e) {
                log.warn("preshared-key", e.getMessage() + "; a whole reconcile puts it on");
            }
        }
        if (triggered.stream().allMatch(Trigger.Signal.HANDSHAKE_CHECK::equals) && lastTarget.isPresent()) {
            try {
                if (!agent.handshakeArrived(lastTarget.get())) {
                    scheduleHandshakeCheck(settling.noHandshakeYet()); // nothing new: a reconcile would change nothing
                    return;
                }
            } catch (RuntimeException e) {
                log.warn("handshake-check", String.valueOf(e.getMessage()));
            }
        }
        metrics.kubernetes(agent.clusterSynced());
        metrics.writer(agent.writerLeads());
        long start = System.nanoTime();
        boolean byKernel = triggered.stream().anyMatch(Trigger.KernelChange.class::isInstance);
        List<String> reasons = triggered.stream().map(Trigger::reason).toList();
        Agent.Prepared prepared;
        try {
            prepared = agent.prepare();
        } catch (NotReadyException e) {
            recorder.notReady(e);
            // no intent read yet, or no answer from the Kubernetes API yet: each calls for a reconcile when it comes
            return;
        } catch (RuntimeException e) { // the kernel could not be read for the underlay's MTU, say
            recorder.prepareFailed(e, millisSince(start), scheduleRetry());
            return;
        }
        owned.set(prepared.desired().owned());
        recorder.prepared(prepared, since(start));
        Reconciler.Outcome outcome = agent.reconcile(prepared, this::kernelChangesRead);
        observeBackend(prepared.desired().owned());
        recorder.reconciled(reasons, prepared, outcome, millisSince(start), byKernel, clock.instant());
        lastTarget = Optional.of(outcome.target());
        Settling.Pending pending = settling.after(outcome);
        pending.newlyAwaiting().ifPresent(waiting -> log.info("handshake", "not routed until a first handshake proves"
                + " both sides have the keys: " + String.join(", ", waiting)));
        pending.handshakeCheck().ifPresent(this::scheduleHandshakeCheck);
        pending.graceLeft().ifPresent(left -> later(() -> trigger(Trigger.Signal.GRACE_PERIOD_OVER), left.toMillis() + 10));
        if (outcome.converged()) {
            retries.reset();
        } else {
            scheduleRetry();
        }
    }

    /** Says which WireGuard runs when that changes (the first reconcile, a module loaded, --wireguard). */
    private void observeBackend(DesiredDataplane.Ownership ownership) {
        try {
            BackendChoice backend = agent.wireguardBackend(ownership);
            if (!backend.equals(lastBackend)) {
                log.info("wireguard", "backend " + backend);
                lastBackend = backend;
            }
            metrics.backend(backend);
        } catch (RuntimeException e) { // a look that failed: the reconcile itself reports kernel errors
            log.warn("wireguard", "backend not determined: " + e.getMessage());
        }
    }

    /** One check pending at a time, however many reconciles found peers waiting. */
    private void scheduleHandshakeCheck(Duration in) {
        if (!handshakeCheckPending.compareAndSet(false, true)) {
            return;
        }
        later(() -> {
            handshakeCheckPending.set(false);
            trigger(Trigger.Signal.HANDSHAKE_CHECK);
        }, in.toMillis());
    }

    /** Schedules the next retry of a reconcile; how long until it. */
    private Duration scheduleRetry() {
        Duration wait = retries.next();
        later(() -> trigger(Trigger.Signal.RETRY), wait.toMillis());
        return wait;
    }

    /** A duration as the flags take it: {@code 30s}, {@code 250ms}. */
    static String duration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static String seconds(Duration wait) {
        return String.format(Locale.ROOT, "%.1fs", wait.toMillis() / 1000.0);
    }

    /** Runs {@code task} after {@code millis}; nothing once stopping (a late read or reconcile is no bug). */
    private void later(Runnable task, long millis) {
        try {
            timers.schedule(task, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            if (!stopping) {
                throw e;
            }
        }
    }

    private static long millisSince(long start) {
        return since(start).toMillis();
    }

    /** The time since {@code start}, a {@link System#nanoTime()}. */
    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static AgentHttpServer.Response answer(Health.Answer answer) {
        return AgentHttpServer.Response.text(answer.status(), answer.body());
    }

    /** A thread that died is a bug: health says so, then the process's own handler (RunCommand halts). */
    private void died(Thread thread, Throwable error) {
        health.threadDied(thread.getName(), error);
        metrics.error("thread");
        log.warn("bug", "thread " + thread.getName() + " died: " + error);
        Thread.UncaughtExceptionHandler process = Thread.getDefaultUncaughtExceptionHandler();
        if (process != null) {
            process.uncaughtException(thread, error);
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Stops triggers, the HTTP server and the watcher; the dataplane is left exactly as it is. */
    @Override
    public void close() {
        stopping = true;
        triggers.offer(Trigger.Signal.STOP);
        timers.shutdownNow();
        gitReader.shutdownNow();
        try { // a read under way writes into the state directory: it ends (its deadline bounds it) before we return
            gitReader.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
        metricsOnly.ifPresent(AgentHttpServer::close);
        watches.forEach(Dataplane.Watch::stop);
        log.info("stop", "agent stopped; the dataplane is left as it is");
    }
}
