package dev.gitwire.agent;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.IpFamily;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The agent's numbers, on a {@link MetricsEndpoint} (the Prometheus Java client's registry). What the agent counts
 * is counted as it happens; what it observes (peers, the guard, the backend) is read at the scrape, from the last
 * reconcile. No label ever carries a key of any kind but public.
 */
public final class AgentMetrics {

    /** From a plan of one pod (under a millisecond) to a read of a large inventory from a slow Git host. */
    private static final double[] PHASE_BOUNDS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final MetricsEndpoint endpoint;
    private final Clock clock;
    private final Counter reconciles;
    private final Histogram reconcileDuration;
    private final Gauge lastReconcileDuration;
    private final Counter operations;
    private final Counter errors;
    private final Counter gitReads;
    private final Histogram gitReadDuration;
    private final Histogram phaseDuration;
    private final Counter driftRepairs;
    private final Counter statusPublishes;
    private final Histogram handshakeWait;
    private final Info appliedRevision;

    private volatile boolean converged;
    private volatile Observed observed = Observed.NONE;
    private volatile Map<PublicKey, Long> sentBefore = Map.of();
    private volatile Optional<BackendChoice> backend = Optional.empty();
    private volatile Optional<Instant> lastGitSuccess = Optional.empty();
    private volatile Optional<Boolean> kubernetesSynced = Optional.empty();
    private volatile Optional<Boolean> writerLeads = Optional.empty();
    private volatile List<String> missingPolicies = List.of();
    private volatile List<String> unsettableSysctls = List.of();
    private volatile List<String> unreachable = List.of();
    private volatile long deviceDeletions;
    private volatile long guardDropped;
    private volatile OptionalLong withoutPostQuantum = OptionalLong.empty();
    private volatile Optional<KeyRotation.KeyLife> key = Optional.empty();

    /** What the last reconcile saw: the device's peers, their nodes, the guard, the claims refused. */
    private record Observed(List<PeerState> peers, Map<PublicKey, String> peerNodes, Map<String, Long> peersByState,
            Map<String, Long> guarded, long refusedClaims, long stalled) {
        static final Observed NONE = new Observed(List.of(), Map.of(), Map.of(), Map.of("ipv4", 0L, "ipv6", 0L), 0, 0);

        /** A peer's node name; a key no node of the intent has (a lingering peer) by its fingerprint. */
        String peerName(PeerState peer) {
            String node = peerNodes.get(peer.config().publicKey());
            return node != null ? node : "key:" + peer.config().publicKey().fingerprint();
        }
    }

    /** {@code perPeer}: per-peer series grow as nodes squared over a cluster; off, only the aggregates are served. */
    public AgentMetrics(boolean perPeer, Clock clock) {
        this.endpoint = new MetricsEndpoint();
        this.clock = clock;
        PrometheusRegistry registry = endpoint.registry();
        reconciles = Counter.builder().name("gitwire_reconciles_total").help("Reconciles by result.")
                .labelNames("result").register(registry);
        reconcileDuration = Histogram.builder().name("gitwire_reconcile_duration_seconds").help("Time of a whole reconcile.")
                .classicOnly().classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60).register(registry);
        lastReconcileDuration = Gauge.builder().name("gitwire_last_reconcile_duration_seconds")
                .help("Time of the last reconcile.").register(registry);
        phaseDuration = Histogram.builder().name("gitwire_reconcile_phase_duration_seconds").help("Time of each phase of"
                + " a reconcile: prepare (the desired state from the intent and the cluster), observe (the kernel read),"
                + " plan, execute (the kernel's changes), verify (the kernel read again and planned against again).")
                .labelNames("phase").classicOnly().classicUpperBounds(PHASE_BOUNDS).register(registry);
        operations = Counter.builder().name("gitwire_kernel_operations_total").help("Kernel operations executed, by kind.")
                .labelNames("kind").register(registry);
        gauge("gitwire_converged", "1 when the last reconcile left the kernel as the intent says (what /readyz reports),"
                + " else 0.", cb -> cb.call(converged ? 1 : 0));
        gauge("gitwire_peers", "Other nodes, by peer state.",
                cb -> observed.peersByState().forEach((state, n) -> cb.call(n, state)), "state");
        gauge("gitwire_peers_handshake_stalled", "Peers sent traffic since the last reconcile whose last handshake is"
                + " older than WireGuard's 180 s session: what they are sent is dropped, not sent in plaintext.",
                cb -> cb.call(observed.stalled()));
        if (perPeer) {
            registerPerPeer(registry);
        }
        gauge("gitwire_wireguard_backend", "The WireGuard this node runs (1), kernel or userspace, and why.",
                cb -> backend.ifPresent(b -> cb.call(1, b.name(), b.reason())), "backend", "reason");
        gauge("gitwire_peer_unreachable", "1 for each routed peer that sends nothing back through the tunnel although"
                + " the handshake was re-initiated and the peer recreated; what is sent to it is dropped.",
                cb -> unreachable.forEach(node -> cb.call(1, node)), "peer");
        gauge("gitwire_refused_claims", "Destinations the Kubernetes API gave a node that are not routed (outside the"
                + " bounds, claimed twice).", cb -> cb.call(observed.refusedClaims()));
        errors = Counter.builder().name("gitwire_errors_total").help("Errors the agent met and retried, by kind: git (a"
                + " read), kubernetes (no answer yet), kernel, reconcile.").labelNames("kind").register(registry);
        gitReads = Counter.builder().name("gitwire_git_reads_total").help("Reads of the intent from its source, by result.")
                .labelNames("result").register(registry);
        gitReadDuration = Histogram.builder().name("gitwire_git_read_duration_seconds").help("Time of a read of the"
                + " intent, by result: the fetch, the signature and rewind checks, parsing and validation.")
                .labelNames("result").classicOnly().classicUpperBounds(PHASE_BOUNDS).register(registry);
        gauge("gitwire_git_last_success_timestamp_seconds", "When the intent was last read from its source, seconds"
                + " since the epoch.", cb -> lastGitSuccess.ifPresent(at -> cb.call(at.getEpochSecond())));
        gauge("gitwire_intent_age_seconds", "Seconds since the intent was last read from its source: how stale what the"
                + " node runs may be.", cb -> lastGitSuccess.ifPresent(at -> cb.call(secondsSince(at))));
        endpoint.statusWriter(() -> writerLeads);
        gauge("gitwire_kubernetes_synced", "1 once the Kubernetes API has given its first list; 0 while the agent waits"
                + " for it.", cb -> kubernetesSynced.ifPresent(synced -> cb.call(synced ? 1 : 0)));
        gauge("gitwire_admission_policy_missing", "1 for each admission policy a dry run found not in force; the agent"
                + " changes nothing meanwhile.", cb -> missingPolicies.forEach(p -> cb.call(1, p)), "policy");
        CounterWithCallback.builder().name("gitwire_device_deletions_total").help("Times something other than gitwire"
                + " deleted the WireGuard device (recreated each time); three within 10 minutes set DeviceStable=False.")
                .callback(cb -> cb.call(deviceDeletions)).register(registry);
        gauge("gitwire_sysctl_unsettable", "1 for each kernel parameter the intent needs that the agent cannot set"
                + " (/proc/sys read-only, no node-setup init container); host encryption is off meanwhile.",
                cb -> unsettableSysctls.forEach(s -> cb.call(1, s.substring(0, s.indexOf('=')))), "sysctl");
        CounterWithCallback.builder().name("gitwire_guard_dropped_packets_total").help("Packets the guard dropped rather"
                + " than let them leave unencrypted to a peered destination (nftables counters, as of the last reconcile).")
                .callback(cb -> cb.call(guardDropped)).register(registry);
        gauge("gitwire_guard_destinations", "Destinations the guard drops when they would leave unencrypted (peers"
                + " proven by a handshake).", cb -> observed.guarded().forEach((family, n) -> cb.call(n, family)), "family");
        gauge("gitwire_peers_without_post_quantum", "With spec.wireguard.postQuantum: peers whose post-quantum key is"
                + " not known (Strict: not routed; Opportunistic: classical WireGuard only).",
                cb -> withoutPostQuantum.ifPresent(cb::call));
        gauge("gitwire_key_age_seconds", "Seconds since this node's WireGuard key was made.",
                cb -> key.flatMap(KeyRotation.KeyLife::created).ifPresent(made -> cb.call(secondsSince(made))));
        gauge("gitwire_key_rotation_interval_seconds", "The intent's keyRotation: how old a key may grow before its"
                + " node replaces it; absent when keys are not rotated.",
                cb -> key.flatMap(KeyRotation.KeyLife::interval).ifPresent(i -> cb.call(i.toSeconds())));
        handshakeWait = Histogram.builder().name("gitwire_peer_handshake_wait_seconds").help("Time from a peer's key"
                + " being known (the peer configured) to its first handshake.").classicOnly()
                .classicUpperBounds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300).register(registry);
        appliedRevision = Info.builder().name("gitwire_applied_revision_info").help("The intent revision applied.")
                .labelNames("revision").register(registry);
        driftRepairs = Counter.builder().name("gitwire_drift_repairs_total")
                .help("Reconciles started by a kernel change that changed something.").register(registry);
        statusPublishes = Counter.builder().name("gitwire_status_publishes_total")
                .help("Status publishes by result: committed, unchanged, not_written.").labelNames("result")
                .register(registry);
    }

    private void registerPerPeer(PrometheusRegistry registry) {
        gauge("gitwire_peer_latest_handshake_age_seconds", "Seconds since a peer's last handshake, by the peer's node.",
                cb -> {
                    Observed now = observed;
                    now.peers().forEach(p -> p.latestHandshake().ifPresent(h -> cb.call(secondsSince(h), now.peerName(p))));
                }, "peer");
        CounterWithCallback.builder().name("gitwire_peer_received_bytes_total")
                .help("Bytes received from a peer, by the peer's node.").labelNames("peer").callback(cb -> {
                    Observed now = observed;
                    now.peers().forEach(p -> cb.call(p.receivedBytes(), now.peerName(p)));
                }).register(registry);
        CounterWithCallback.builder().name("gitwire_peer_sent_bytes_total")
                .help("Bytes sent to a peer, by the peer's node.").labelNames("peer").callback(cb -> {
                    Observed now = observed;
                    now.peers().forEach(p -> cb.call(p.sentBytes(), now.peerName(p)));
                }).register(registry);
        gauge("gitwire_peer_allowed_ips", "A peer's allowed IPs on the device, by the peer's node and address family.",
                cb -> {
                    Observed now = observed;
                    for (PeerState p : now.peers()) {
                        long ipv6 = p.config().allowedIps().stream().filter(c -> c.family() == IpFamily.IPV6).count();
                        cb.call(p.config().allowedIps().size() - ipv6, now.peerName(p), "ipv4");
                        cb.call(ipv6, now.peerName(p), "ipv6");
                    }
                }, "peer", "family");
    }

    private void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> values,
            String... labels) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(labels).callback(values)
                .register(endpoint.registry());
    }

    private long secondsSince(Instant then) {
        return Math.max(0, clock.instant().getEpochSecond() - then.getEpochSecond());
    }

    /** Where these metrics are served from. */
    public MetricsEndpoint endpoint() {
        return endpoint;
    }

    public void reconciled(String result, long millis, Map<String, Integer> operationCounts) {
        converged = result.equals("converged");
        reconciles.labelValues(result).inc();
        reconcileDuration.observe(millis / 1000.0);
        lastReconcileDuration.set(millis / 1000.0);
        executed(operationCounts);
    }

    /** How long a phase of a reconcile took: prepare, or one of {@link Reconciler.Phase}. */
    public void reconcilePhase(String phase, Duration took) {
        phaseDuration.labelValues(phase).observe(seconds(took));
    }

    private static double seconds(Duration took) {
        return took.toNanos() / 1e9;
    }

    /** Kernel operations done outside a reconcile (a pre-shared key just agreed). */
    public void executed(Map<String, Integer> operationCounts) {
        operationCounts.forEach((kind, n) -> operations.labelValues(kind).inc(n));
    }

    public void driftRepaired() {
        driftRepairs.inc();
    }

    public long driftRepairs() {
        return (long) driftRepairs.get();
    }

    public void statusPublished(String result) {
        statusPublishes.labelValues(result).inc();
    }

    public void observed(String revision, DesiredDataplane target, List<PeerState> devicePeers, Instant now) {
        appliedRevision.setLabelValues(revision);
        // a peer sent traffic since the last look, whose last handshake is older than WireGuard keeps a session:
        // what it is sent is dropped by the guard (the outage to alert on, not a plaintext path)
        Map<PublicKey, Long> sent = new HashMap<>();
        long stalled = 0;
        for (PeerState p : devicePeers) {
            sent.put(p.config().publicKey(), p.sentBytes());
            Long before = sentBefore.get(p.config().publicKey());
            if (before != null && p.sentBytes() > before && p.latestHandshake()
                    .filter(h -> h.isBefore(now.minus(PeerRepair.REJECT_AFTER_TIME))).isPresent()) {
                stalled++;
            }
        }
        sentBefore = sent;
        Map<String, Long> states = new TreeMap<>();
        target.reports().forEach(r -> states.merge(r.state().spelling(), 1L, Long::sum));
        Map<String, Long> byFamily = new TreeMap<>(Map.of("ipv4", 0L, "ipv6", 0L));
        target.guard().ifPresent(g -> g.destinations().forEach(d -> byFamily.merge(
                d.family() == IpFamily.IPV4 ? "ipv4" : "ipv6", 1L, Long::sum)));
        Map<PublicKey, String> nodes = new HashMap<>();
        target.reports().forEach(r -> r.key().ifPresent(k -> nodes.putIfAbsent(k, r.node())));
        observed = new Observed(List.copyOf(devicePeers), Map.copyOf(nodes), states, byFamily,
                target.refusedClaims().size(), stalled);
    }

    public void backend(BackendChoice now) {
        backend = Optional.of(now);
    }

    /** An error of the world, by kind: git, kubernetes, kernel, reconcile. */
    public void error(String kind) {
        errors.labelValues(kind).inc();
    }

    /** The admission policies found missing: with any, the agent changes nothing. */
    public void admissionPolicies(List<String> missing) {
        missingPolicies = List.copyOf(missing);
    }

    /** The kernel parameters ({@code name=value}) the intent needs that the agent cannot set. */
    public void unsettableSysctls(List<String> unsettable) {
        unsettableSysctls = List.copyOf(unsettable);
    }

    /** The peers, by node name, silent although repaired ({@link PeerRepair}). */
    public void unreachable(List<String> nodes) {
        unreachable = List.copyOf(nodes);
    }

    /** This node's key as of the last look: its age and the rotation interval in force. */
    public void key(KeyRotation.KeyLife life) {
        key = Optional.of(life);
    }

    public void withoutPostQuantum(long peers) {
        withoutPostQuantum = OptionalLong.of(peers);
    }

    public void guardDropped(long total) {
        guardDropped = total;
    }

    public void deviceDeletions(long total) {
        deviceDeletions = total;
    }

    /** Whether the Kubernetes API has given its first list (empty: standalone, no API). */
    public void kubernetes(Optional<Boolean> synced) {
        kubernetesSynced = synced;
    }

    /** Whether this agent is the cluster's one Git writer; empty where there is no election. */
    public void writer(Optional<Boolean> leads) {
        writerLeads = leads;
    }

    /** How a read of the intent went. */
    public enum GitRead {
        /** Git (or the directory) was read. */
        OK,
        /** Git was not asked: the cluster's writer announced the revision this node holds, as fresh as its fetch. */
        SKIPPED,
        FAILED
    }

    /** A read of the intent from Git (or its directory), and how it went. */
    public void gitRead(GitRead result, Instant at, Duration took) {
        String label = result.name().toLowerCase(Locale.ROOT);
        gitReads.labelValues(label).inc();
        gitReadDuration.labelValues(label).observe(seconds(took));
        if (result != GitRead.FAILED) {
            lastGitSuccess = Optional.of(at);
        }
    }

    /** A peer's first handshake came this long after it was first seen waiting for it. */
    public void handshakeWaited(Duration wait) {
        handshakeWait.observe(seconds(wait));
    }

    /** Every series, in the Prometheus text format. */
    public String render() {
        return endpoint.render();
    }
}
