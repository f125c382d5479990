package dev.gitwire.agent;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.PeerReport;
import dev.gitwire.desired.RefusedClaim;
import dev.gitwire.keys.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a reconcile leaves behind for the operator, apart from when the loop runs it: metrics, log lines (a refusal or
 * a missing node set-up said once, when it comes, not at every reconcile it lasts), Events, health and the status
 * report. The loop decides when; this says what happened. Used by the loop's one thread.
 */
final class OutcomeRecorder {

    /** Refused claims logged (and recorded as events) per reconcile at most; the metric and the status count them all. */
    static final int MAX_CLAIMS_LOGGED = 20;

    private final Agent agent;
    private final AgentMetrics metrics;
    private final AgentLog log;
    private final Health health;
    private List<RefusedClaim> lastRefused = List.of();
    private List<String> lastDuplicates = List.of();
    private List<String> lastUnreachable = List.of();
    private Optional<String> lastNodeSetupMissing = Optional.empty();
    private Optional<String> lastDeviceUnstable = Optional.empty();
    private Optional<KeyRotation.KeyLife> lastKey = Optional.empty();

    OutcomeRecorder(Agent agent, AgentMetrics metrics, AgentLog log, Health health) {
        this.agent = agent;
        this.metrics = metrics;
        this.log = log;
        this.health = health;
    }

    /** The agent would not change the kernel yet: why, in /readyz and the metrics. */
    void notReady(NotReadyException e) {
        if (agent.clusterSynced().filter(synced -> !synced).isPresent()) {
            metrics.error("kubernetes");
        }
        metrics.admissionPolicies(agent.missingAdmissionPolicies());
        health.converged(false, e.getMessage());
    }

    /** The desired state could not be had (the kernel not read for the underlay's MTU, say): retried in {@code wait}. */
    void prepareFailed(RuntimeException e, long millis, Duration wait) {
        metrics.error("kernel");
        health.converged(false, "the kernel could not be read: " + e.getMessage());
        metrics.reconciled("error", millis, Map.of());
        log.warn("prepare-failed", e.getMessage() + "; nothing was changed; retry in " + AgentLoop.seconds(wait));
    }

    /** What the desired state says before it is applied: its notes, and what it refuses, each said once. */
    void prepared(Agent.Prepared prepared, Duration took) {
        metrics.reconcilePhase("prepare", took);
        metrics.admissionPolicies(agent.missingAdmissionPolicies());
        prepared.notes().forEach(n -> log.warn("intent", n));
        metrics.unsettableSysctls(prepared.unsettable());
        prepared.nodeSetupMissing().filter(m -> !m.equals(lastNodeSetupMissing.orElse(null)))
                .ifPresent(m -> log.warn("node-setup-missing", m)); // once: it lasts until the node is set up
        lastNodeSetupMissing = prepared.nodeSetupMissing();
        keyLooked(agent.keyLife());
        List<RefusedClaim> refused = prepared.desired().refusedClaims();
        List<RefusedClaim> newlyRefused = newlyIn(refused, lastRefused);
        lastRefused = refused;
        if (!newlyRefused.isEmpty()) {
            newlyRefused.forEach(r -> log.warn("claim-refused", "not routed: " + r));
            agent.claimsRefused(newlyRefused);
        }
        List<String> duplicates = prepared.desired().reports().stream()
                .filter(r -> r.state() == PeerReport.State.DUPLICATE_KEY).map(PeerReport::node).toList();
        List<String> newlyDuplicated = newlyIn(duplicates, lastDuplicates);
        lastDuplicates = duplicates;
        if (!newlyDuplicated.isEmpty()) {
            newlyDuplicated.forEach(n -> log.warn("key-refused", "not peered with " + n
                    + ": it publishes a key another node publishes too, and did not hold it first; its destinations stay"
                    + " guarded"));
            agent.keysRefused(newlyDuplicated);
        }
    }

    /** The key's life in the metrics; a rotation, and a pinned key come due, each said once. */
    private void keyLooked(KeyRotation.KeyLife key) {
        metrics.key(key);
        lastKey.filter(before -> !before.publicKey().equals(key.publicKey())).ifPresent(before -> log.info("key-rotated",
                "this node's key " + before.publicKey().fingerprint() + "... was replaced by " + key.publicKey()
                        .fingerprint() + "...: its peers replace their peer entry as they learn it"));
        key.pinDue().filter(due -> lastKey.flatMap(KeyRotation.KeyLife::pinDue).isEmpty())
                .ifPresent(due -> log.warn("key-rotation-due", due));
        lastKey = Optional.of(key);
    }

    /** A reconcile that ran: its result in the metrics, health and log, and the node's status reported. */
    void reconciled(List<String> reasons, Agent.Prepared prepared, Reconciler.Outcome outcome, long millis,
            boolean byKernel, Instant now) {
        String result = outcome.converged() ? "converged" : outcome.failure().isPresent() ? "error" : "not_converged";
        outcome.took().forEach((phase, took) -> metrics.reconcilePhase(phase.label(), took));
        metrics.reconciled(result, millis, outcome.executed().counts());
        outcome.failure().ifPresent(f -> metrics.error("kernel"));
        if (byKernel && !outcome.executed().isEmpty()) {
            metrics.driftRepaired();
        }
        metrics.observed(prepared.sourced().revision().toString(), outcome.target(),
                outcome.after().device().map(d -> d.peers()).orElse(List.of()), now);
        outcome.handshakeWaits().forEach(metrics::handshakeWaited);
        List<String> unreachable = nodesOf(outcome.target(), outcome.unreachable().keySet());
        metrics.unreachable(unreachable);
        List<String> newlyUnreachable = newlyIn(unreachable, lastUnreachable);
        lastUnreachable = unreachable;
        if (!newlyUnreachable.isEmpty()) {
            newlyUnreachable.forEach(n -> log.warn("peer-unreachable", n + " sends nothing back through the tunnel"
                    + " although the handshake was re-initiated and the peer recreated; what is sent there is dropped"));
            agent.peersUnreachable(newlyUnreachable);
        }
        metrics.deviceDeletions(agent.deviceDeletions());
        metrics.withoutPostQuantum(agent.withoutPostQuantum().size());
        metrics.guardDropped(agent.guardDroppedPackets());
        Optional<String> unstable = agent.deviceUnstable();
        unstable.filter(u -> lastDeviceUnstable.isEmpty()).ifPresent(u -> log.warn("device-deleted", u)); // once a spell
        lastDeviceUnstable = unstable;
        health.converged(outcome.converged(), outcome.failure().map(f -> "the last reconcile failed: " + f)
                .orElse(outcome.residual().size() + " changes still differ after the last reconcile"));
        if (!outcome.executed().isEmpty() || !outcome.converged()) {
            log.info("reconcile", String.join(", ", reasons) + ": " + outcome.executed().size() + " changes "
                    + outcome.executed().counts() + ", " + result + " in " + millis + " ms, revision "
                    + prepared.sourced().revision().abbreviated());
        }
        outcome.failure().ifPresent(f -> log.warn("apply-failed", f));
        agent.reportInBackground(prepared, outcome, reported -> {
            metrics.statusPublished(reported.result().name().toLowerCase(Locale.ROOT));
            switch (reported.result()) {
                case COMMITTED -> log.info("status", reported.line());
                case NOT_WRITTEN -> log.warn("status", reported.line());
                case UNCHANGED -> { }
            }
        });
    }

    /**
     * What {@code now} holds that {@code before} did not, the first {@link #MAX_CLAIMS_LOGGED}: a refusal is said
     * once when it comes, not on every reconcile it lasts.
     */
    /** The node names of the routed peers with {@code keys}, sorted (a node refused for a duplicate key is not one). */
    static List<String> nodesOf(DesiredDataplane target, Set<PublicKey> keys) {
        return target.reports().stream().filter(r -> r.state() == PeerReport.State.PEERED)
                .filter(r -> r.key().filter(keys::contains).isPresent()).map(PeerReport::node).sorted().toList();
    }

    static <T> List<T> newlyIn(List<T> now, List<T> before) {
        if (now.equals(before)) {
            return List.of();
        }
        Set<T> known = new HashSet<>(before);
        return now.stream().filter(t -> !known.contains(t)).limit(MAX_CLAIMS_LOGGED).toList();
    }
}
