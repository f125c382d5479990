package dev.gitwire.agent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What `/healthz` and `/readyz` answer, from facts each thread records for itself (no flag written by two
 * threads): live unless a thread died or a reconcile has run longer than {@link #STUCK}; ready when an intent was read
 * and the last reconcile converged (the kernel verified). Readiness is this node's: a Git outage leaves every agent's
 * dataplane as it was, so it is not a reason to be NotReady (that stalled DaemonSet rollouts and marked Argo CD and
 * Flux Degraded on every cluster at once); a stale intent is said by the status (IntentAccepted=False, "cannot
 * fetch"), gitwire_intent_age_seconds and the GitwireIntentStale alert.
 */
public final class Health {

    /** A reconcile running this long is stuck: a 100,000-destination apply takes seconds. */
    static final Duration STUCK = Duration.ofMinutes(5);

    private final Clock clock;
    private volatile Optional<Instant> reconcileStarted = Optional.empty();
    private volatile boolean converged;
    private volatile String notConverged = "no reconcile yet";
    private volatile boolean intentRead;
    private volatile Optional<String> deadThread = Optional.empty();

    /** An answer: the HTTP status and a line that says why. */
    public record Answer(int status, String body) {}

    public Health(Clock clock) {
        this.clock = clock;
    }

    void reconcileStarted() {
        reconcileStarted = Optional.of(clock.instant());
    }

    void reconcileFinished() {
        reconcileStarted = Optional.empty();
    }

    /** What the last reconcile found: converged, or why not. */
    void converged(boolean convergedNow, String why) {
        converged = convergedNow;
        notConverged = why;
    }

    void intentRead() {
        intentRead = true;
    }

    void threadDied(String thread, Throwable error) {
        deadThread = Optional.of(thread + " died: " + error);
    }

    public Answer liveness() {
        if (deadThread.isPresent()) {
            return new Answer(500, "broken: thread " + deadThread.get() + "\n");
        }
        Optional<Instant> started = reconcileStarted;
        if (started.isPresent() && Duration.between(started.get(), clock.instant()).compareTo(STUCK) > 0) {
            return new Answer(500, "stuck: a reconcile has run for " + Duration.between(started.get(), clock.instant())
                    .toSeconds() + " s\n");
        }
        return new Answer(200, "ok\n");
    }

    public Answer readiness() {
        if (!intentRead) {
            return new Answer(503, "not ready: no intent read yet\n");
        }
        if (!converged) {
            return new Answer(503, "not ready: " + notConverged + "\n");
        }
        return new Answer(200, "ready\n");
    }
}
