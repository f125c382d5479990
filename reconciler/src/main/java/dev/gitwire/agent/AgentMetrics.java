package dev.gitwire.agent;

import dev.gitwire.model.BackendChoice;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The agent's numbers, rendered in the Prometheus text format. No label ever carries a key of any kind but public. */
public final class AgentMetrics {

    private final Map<String, AtomicLong> reconciles = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> operations = new ConcurrentHashMap<>();
    private final AtomicLong driftRepairs = new AtomicLong();
    private final Map<String, AtomicLong> statusPublishes = new ConcurrentHashMap<>();
    private final Histogram reconcileDuration = new Histogram("gitwire_reconcile_duration_seconds",
            "Time of a whole reconcile.", 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
    private volatile long lastDurationMillis;
    private volatile String revision = "";
    private volatile Map<String, Long> peersByState = Map.of();
    private volatile Map<String, Long> guarded = Map.of();
    private volatile long refusedClaims;
    private volatile BackendChoice backend;
    private final Map<String, AtomicLong> gitReads = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private volatile Instant lastGitSuccess;
    private volatile Optional<Boolean> kubernetesSynced = Optional.empty();
    private volatile List<String> missingPolicies = List.of();
    private volatile List<String> unsettableSysctls = List.of();
    private volatile long deviceDeletions;
    private volatile long guardDropped;
    private volatile Optional<Boolean> writerLeads = Optional.empty();
    private final Histogram handshakeWait = new Histogram("gitwire_peer_handshake_wait_seconds",
            "Time from a peer's key being known (the peer configured) to its first handshake.",
            0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);
    private volatile List<PeerState> peers = List.of();
    /** Per-peer series grow as nodes squared over a cluster: off, only the aggregates are served. */
    private final boolean perPeer;
    private volatile boolean converged;
    private volatile long stalled;
    private volatile Map<PublicKey, Long> sentBefore = Map.of();
    /** The node each peer's public key belongs to, for the labels a person reads. */
    private volatile Map<PublicKey, String> peerNodes = Map.of();

    /** WireGuard rejects a session older than this without a new handshake (REJECT_AFTER_TIME). */
    static final Duration REJECT_AFTER = Duration.ofSeconds(180);

    public AgentMetrics(boolean perPeer) {
        this.perPeer = perPeer;
    }

    public void reconciled(String result, long millis, Map<String, Integer> operationCounts) {
        converged = result.equals("converged");
        reconciles.computeIfAbsent(result, r -> new AtomicLong()).incrementAndGet();
        reconcileDuration.observe(Duration.ofMillis(millis));
        lastDurationMillis = millis;
        operationCounts.forEach((kind, n) -> operations.computeIfAbsent(kind, k -> new AtomicLong()).addAndGet(n));
    }

    public void driftRepaired() {
        driftRepairs.incrementAndGet();
    }

    public void statusPublished(String result) {
        statusPublishes.computeIfAbsent(result, r -> new AtomicLong()).incrementAndGet();
    }

    public long driftRepairs() {
        return driftRepairs.get();
    }

    public void observed(String appliedRevision, DesiredDataplane target, List<PeerState> devicePeers, Instant now) {
        revision = appliedRevision;
        // a peer sent traffic since the last look, whose last handshake is older than WireGuard keeps a session:
        // what it is sent is dropped by the guard (the outage to alert on, not a plaintext path)
        Map<PublicKey, Long> sent = new java.util.HashMap<>();
        long stalledNow = 0;
        for (PeerState p : devicePeers) {
            sent.put(p.config().publicKey(), p.sentBytes());
            Long before = sentBefore.get(p.config().publicKey());
            if (before != null && p.sentBytes() > before && p.latestHandshake()
                    .filter(h -> h.isBefore(now.minus(REJECT_AFTER))).isPresent()) {
                stalledNow++;
            }
        }
        sentBefore = sent;
        stalled = stalledNow;
        Map<String, Long> states = new TreeMap<>();
        target.reports().forEach(r -> states.merge(r.state().spelling(), 1L, Long::sum));
        Map<String, Long> byFamily = new TreeMap<>(Map.of("ipv4", 0L, "ipv6", 0L));
        target.guard().ifPresent(g -> g.destinations().forEach(d -> byFamily.merge(
                d.family() == dev.gitwire.net.IpFamily.IPV4 ? "ipv4" : "ipv6", 1L, Long::sum)));
        guarded = byFamily;
        refusedClaims = target.refusedClaims().size();
        peersByState = states;
        Map<PublicKey, String> nodes = new java.util.HashMap<>();
        target.reports().forEach(r -> r.key().ifPresent(k -> nodes.putIfAbsent(k, r.node())));
        peerNodes = nodes;
        peers = List.copyOf(devicePeers);
    }

    public void backend(BackendChoice now) {
        backend = now;
    }

    /** An error of the world, by kind: git, kubernetes, kernel, reconcile. */
    public void error(String kind) {
        errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    /** Whether the Kubernetes API has given its first list (empty: standalone, no API). */
    /** The admission policies found missing: with any, the agent changes nothing. */
    public void admissionPolicies(List<String> missing) {
        missingPolicies = List.copyOf(missing);
    }

    /** The kernel parameters ({@code name=value}) the intent needs that the agent cannot set. */
    public void unsettableSysctls(List<String> unsettable) {
        unsettableSysctls = List.copyOf(unsettable);
    }

    public void guardDropped(long total) {
        guardDropped = total;
    }

    public void deviceDeletions(long total) {
        deviceDeletions = total;
    }

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
    public void gitRead(GitRead result, Instant at) {
        gitReads.computeIfAbsent(result.name().toLowerCase(java.util.Locale.ROOT), r -> new AtomicLong()).incrementAndGet();
        if (result != GitRead.FAILED) {
            lastGitSuccess = at;
        }
    }

    /** A peer's first handshake came this long after it was first seen waiting for it. */
    public void handshakeWaited(Duration wait) {
        handshakeWait.observe(wait);
    }

    public String render(Instant now) {
        StringBuilder out = new StringBuilder();
        header(out, "gitwire_reconciles_total", "counter", "Reconciles by result.");
        new TreeMap<>(reconciles).forEach((result, n) -> line(out, "gitwire_reconciles_total", "result", result, n.get()));
        reconcileDuration.render(out);
        header(out, "gitwire_last_reconcile_duration_seconds", "gauge", "Time of the last reconcile.");
        out.append("gitwire_last_reconcile_duration_seconds ").append(lastDurationMillis / 1000.0).append('\n');
        header(out, "gitwire_kernel_operations_total", "counter", "Kernel operations executed, by kind.");
        new TreeMap<>(operations).forEach((kind, n) -> line(out, "gitwire_kernel_operations_total", "kind", kind, n.get()));
        header(out, "gitwire_converged", "gauge", "1 when the last reconcile left the kernel as the intent says (what"
                + " /readyz reports), else 0.");
        out.append("gitwire_converged ").append(converged ? 1 : 0).append('\n');
        header(out, "gitwire_peers", "gauge", "Other nodes, by peer state.");
        peersByState.forEach((state, n) -> line(out, "gitwire_peers", "state", state, n));
        header(out, "gitwire_peers_handshake_stalled", "gauge", "Peers sent traffic since the last reconcile whose last"
                + " handshake is older than WireGuard's 180 s session: what they are sent is dropped, not sent in plaintext.");
        out.append("gitwire_peers_handshake_stalled ").append(stalled).append('\n');
        if (perPeer) {
            header(out, "gitwire_peer_latest_handshake_age_seconds", "gauge",
                    "Seconds since a peer's last handshake, by the peer's node.");
            for (PeerState p : peers) {
                p.latestHandshake().ifPresent(h -> line(out, "gitwire_peer_latest_handshake_age_seconds", "peer",
                        peerName(p), Math.max(0, now.getEpochSecond() - h.getEpochSecond())));
            }
            header(out, "gitwire_peer_received_bytes_total", "counter", "Bytes received from a peer, by the peer's node.");
            peers.forEach(p -> line(out, "gitwire_peer_received_bytes_total", "peer", peerName(p), p.receivedBytes()));
            header(out, "gitwire_peer_sent_bytes_total", "counter", "Bytes sent to a peer, by the peer's node.");
            peers.forEach(p -> line(out, "gitwire_peer_sent_bytes_total", "peer", peerName(p), p.sentBytes()));
            header(out, "gitwire_peer_allowed_ips", "gauge", "A peer's allowed IPs on the device, by the peer's node and"
                    + " address family.");
            for (PeerState p : peers) {
                long ipv6 = p.config().allowedIps().stream().filter(c -> c.family() == dev.gitwire.net.IpFamily.IPV6).count();
                for (var family : Map.of("ipv4", p.config().allowedIps().size() - ipv6, "ipv6", ipv6).entrySet().stream()
                        .sorted(Map.Entry.comparingByKey()).toList()) {
                    out.append("gitwire_peer_allowed_ips{peer=\"").append(escaped(peerName(p))).append("\",family=\"")
                            .append(family.getKey()).append("\"} ").append(family.getValue()).append('\n');
                }
            }
        }
        BackendChoice wireguard = backend;
        if (wireguard != null) {
            header(out, "gitwire_wireguard_backend", "gauge", "The WireGuard this node runs (1), kernel or userspace, and why.");
            out.append("gitwire_wireguard_backend{backend=\"").append(wireguard.name()).append("\",reason=\"")
                    .append(escaped(wireguard.reason())).append("\"} 1\n");
        }
        header(out, "gitwire_refused_claims", "gauge",
                "Destinations the Kubernetes API gave a node that are not routed (outside the bounds, claimed twice).");
        out.append("gitwire_refused_claims ").append(refusedClaims).append('\n');
        header(out, "gitwire_errors_total", "counter",
                "Errors the agent met and retried, by kind: git (a read), kubernetes (no answer yet), kernel, reconcile.");
        new TreeMap<>(errors).forEach((kind, n) -> line(out, "gitwire_errors_total", "kind", kind, n.get()));
        header(out, "gitwire_git_reads_total", "counter", "Reads of the intent from its source, by result.");
        new TreeMap<>(gitReads).forEach((result, n) -> line(out, "gitwire_git_reads_total", "result", result, n.get()));
        Instant success = lastGitSuccess;
        if (success != null) {
            header(out, "gitwire_git_last_success_timestamp_seconds", "gauge",
                    "When the intent was last read from its source, seconds since the epoch.");
            out.append("gitwire_git_last_success_timestamp_seconds ").append(success.getEpochSecond()).append('\n');
            header(out, "gitwire_intent_age_seconds", "gauge",
                    "Seconds since the intent was last read from its source: how stale what the node runs may be.");
            out.append("gitwire_intent_age_seconds ").append(Math.max(0, now.getEpochSecond() - success.getEpochSecond()))
                    .append('\n');
        }
        writerLeads.ifPresent(leads -> statusWriterGauge(out, leads));
        kubernetesSynced.ifPresent(synced -> {
            header(out, "gitwire_kubernetes_synced", "gauge",
                    "1 once the Kubernetes API has given its first list; 0 while the agent waits for it.");
            out.append("gitwire_kubernetes_synced ").append(synced ? 1 : 0).append('\n');
        });
        header(out, "gitwire_admission_policy_missing", "gauge",
                "1 for each admission policy a dry run found not in force; the agent changes nothing meanwhile.");
        missingPolicies.forEach(p -> out.append("gitwire_admission_policy_missing{policy=\"").append(p).append("\"} 1\n"));
        header(out, "gitwire_device_deletions_total", "counter", "Times something other than gitwire deleted the"
                + " WireGuard device (recreated each time); three within 10 minutes set DeviceStable=False.");
        out.append("gitwire_device_deletions_total ").append(deviceDeletions).append('\n');
        header(out, "gitwire_sysctl_unsettable", "gauge", "1 for each kernel parameter the intent needs that the agent"
                + " cannot set (/proc/sys read-only, no node-setup init container); host encryption is off meanwhile.");
        unsettableSysctls.forEach(s -> line(out, "gitwire_sysctl_unsettable", "sysctl", s.substring(0, s.indexOf('=')), 1));
        header(out, "gitwire_guard_dropped_packets_total", "counter", "Packets the guard dropped rather than let them"
                + " leave unencrypted to a peered destination (nftables counters, as of the last reconcile).");
        out.append("gitwire_guard_dropped_packets_total ").append(guardDropped).append('\n');
        header(out, "gitwire_guard_destinations", "gauge",
                "Destinations the guard drops when they would leave unencrypted (peers proven by a handshake).");
        guarded.forEach((family, n) -> line(out, "gitwire_guard_destinations", "family", family, n));
        handshakeWait.render(out);
        header(out, "gitwire_applied_revision_info", "gauge", "The intent revision applied.");
        line(out, "gitwire_applied_revision_info", "revision", revision, 1);
        header(out, "gitwire_drift_repairs_total", "counter", "Reconciles started by a kernel change that changed something.");
        out.append("gitwire_drift_repairs_total ").append(driftRepairs.get()).append('\n');
        header(out, "gitwire_status_publishes_total", "counter",
                "Status publishes by result: committed, unchanged, not_written.");
        new TreeMap<>(statusPublishes).forEach((result, n) -> line(out, "gitwire_status_publishes_total", "result", result,
                n.get()));
        return out.toString();
    }

    /** A peer's node name; a key no node of the intent has (a lingering peer) by its fingerprint. */
    private String peerName(PeerState peer) {
        String node = peerNodes.get(peer.config().publicKey());
        return node != null ? node : "key:" + peer.config().publicKey().fingerprint();
    }

    /** gitwire_status_writer, as an agent that stands and the `gitwire writer` process both export it. */
    static void statusWriterGauge(StringBuilder out, boolean leads) {
        header(out, "gitwire_status_writer", "gauge",
                "1 on the process elected to write the status branch and announce the intent; 0 on the others.");
        out.append("gitwire_status_writer ").append(leads ? 1 : 0).append('\n');
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder out, String name, String label, String value, long number) {
        out.append(name).append('{').append(label).append("=\"").append(escaped(value)).append("\"} ").append(number)
                .append('\n');
    }

    private static String escaped(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
