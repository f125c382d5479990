package dev.gitwire.agent;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.PeerReport;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.IpFamily;
import dev.gitwire.pq.PqPublicKey;
import dev.gitwire.source.IntentSource;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.NodeStatus.Condition;
import dev.gitwire.status.NodeStatus.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The status a node reports after a reconcile: phase, conditions with reasons, dataplane, peers. */
public final class StatusReport {

    /** Peers not (yet) encrypted to: the node is Degraded while any is. */
    private static final Set<PeerReport.State> LEFT_OUT = Set.of(PeerReport.State.NO_KEY,
            PeerReport.State.KEY_MISMATCH, PeerReport.State.DUPLICATE_KEY, PeerReport.State.NO_ADDRESS,
            PeerReport.State.AWAITING_HANDSHAKE);

    private StatusReport() {}

    /** What this node lacks although it applies the intent: each a condition that makes it Degraded. */
    public static List<Condition> degradedHere(Optional<String> nodeSetupMissing, Optional<String> deviceUnstable,
            List<String> withoutPostQuantum) {
        List<Condition> conditions = new ArrayList<>();
        nodeSetupMissing.ifPresent(m -> conditions.add(new Condition("NodeSetUp", "False", "SysctlReadOnly", m)));
        deviceUnstable.ifPresent(u -> conditions.add(new Condition("DeviceStable", "False", "DeletedByAnother", u)));
        if (!withoutPostQuantum.isEmpty()) { // Strict: not routed; Opportunistic: classical WireGuard only
            conditions.add(new Condition("PostQuantum", "False", "PeerWithoutPostQuantumKey", withoutPostQuantum.size()
                    + " peers have no post-quantum key (none pinned or published): " + String.join(", ",
                    withoutPostQuantum.subList(0, Math.min(5, withoutPostQuantum.size())))
                    + (withoutPostQuantum.size() > 5 ? ", ..." : "")));
        }
        return conditions;
    }

    public static NodeStatus of(String node, KeyRotation.KeyLife key, DesiredDataplane desired, Reconciler.Outcome outcome,
            IntentSource.Sourced sourced, int listenPort, List<String> trustWarnings, BackendChoice backend,
            List<Condition> degradedHere, Optional<PqPublicKey> pqKey) {
        List<Condition> conditions = new ArrayList<>();
        conditions.add(new Condition("WireguardBackend", "True", backend.name().equals(BackendChoice.KERNEL) ? "Kernel"
                : "Userspace", backend.reason()));
        if (!trustWarnings.isEmpty()) {
            conditions.add(new Condition("TrustBoundary", "False", "Weakened", String.join("; ", trustWarnings)));
        }
        conditions.add(sourced.refusal()
                .map(r -> new Condition("IntentAccepted", "False", "Refused", r))
                .orElse(new Condition("IntentAccepted", "True", "Valid", "revision " + sourced.revision() + " applied")));
        conditions.add(outcome.converged()
                ? new Condition("Converged", "True", "Verified", "the kernel matches the intent")
                : new Condition("Converged", "False", outcome.failure().isPresent() ? "ApplyFailed" : "NotConverged",
                        outcome.failure().orElse(outcome.residual().size() + " changes still differ")));
        List<String> duplicated = desired.reports().stream().filter(r -> r.state() == PeerReport.State.DUPLICATE_KEY)
                .map(PeerReport::node).toList();
        if (!duplicated.isEmpty()) { // a node publishing a key another holds: refused, its destinations dropped
            conditions.add(new Condition("PeerKeysUnique", "False", "DuplicateKey", duplicated.size()
                    + " nodes publish a public key another node publishes too, and did not hold it first; not peered,"
                    + " their destinations dropped: " + String.join(", ", duplicated.subList(0, Math.min(5,
                            duplicated.size()))) + (duplicated.size() > 5 ? ", ..." : "")));
        }
        conditions.addAll(degradedHere);
        key.pinDue().ifPresent(due -> conditions.add(new Condition("KeyRotated", "False", "KeyRotationDue", due)));
        List<String> unreachable = OutcomeRecorder.nodesOf(desired, outcome.unreachable().keySet());
        if (!unreachable.isEmpty()) {
            conditions.add(new Condition("PeersReachable", "False", "PeerUnreachable", unreachable.size()
                    + " peers send nothing back through the tunnel although re-initiated and recreated (what is sent"
                    + " there is dropped, never sent in plaintext): " + String.join(", ", unreachable.subList(0,
                            Math.min(5, unreachable.size()))) + (unreachable.size() > 5 ? ", ..." : "")));
        }
        if (!desired.refusedClaims().isEmpty()) {
            conditions.add(new Condition("ClaimsRouted", "False", "Refused", desired.refusedClaims().size()
                    + " destinations the Kubernetes API gave nodes are not routed: " + desired.refusedClaims().stream()
                    .limit(5).map(Object::toString).collect(Collectors.joining("; "))
                    + (desired.refusedClaims().size() > 5 ? "; ..." : "")));
        }

        Phase phase;
        if (!outcome.converged()) {
            phase = Phase.Error;
        } else if (!desired.enabled()) {
            phase = Phase.Disabled;
        } else if (sourced.refusal().isPresent() || !desired.refusedClaims().isEmpty() || !degradedHere.isEmpty()
                || !unreachable.isEmpty()
                || desired.reports().stream().anyMatch(r -> LEFT_OUT.contains(r.state()))) {
            phase = Phase.Degraded;
        } else {
            phase = Phase.Ready;
        }

        Map<PublicKey, PeerConfig> configs = desired.wireguard().map(wg -> wg.peers().stream()
                .collect(Collectors.toMap(PeerConfig::publicKey, Function.identity()))).orElse(Map.of());
        List<NodeStatus.Peer> peers = desired.reports().stream().filter(r -> LEFT_OUT.contains(r.state())).map(r -> {
            Optional<PeerConfig> config = r.key().map(configs::get);
            return new NodeStatus.Peer(r.node(), r.key().map(PublicKey::base64),
                    config.flatMap(PeerConfig::endpoint).map(Object::toString),
                    config.map(c -> c.allowedIps().size()).orElse(0), r.state().spelling(),
                    config.map(c -> (int) c.allowedIps().stream().filter(a -> a.family() == IpFamily.IPV6)
                            .count()).orElse(0));
        }).toList();

        Optional<NodeStatus.Dataplane> dataplane = desired.wireguard().map(wg -> new NodeStatus.Dataplane(
                desired.owned().interfaceName(),
                outcome.after().link().flatMap(l -> l.kind()).map(k -> k.equals("wireguard") ? "kernel" : "userspace")
                        .orElse("userspace"),
                wg.mtu().mtu(), wg.mtu().reason(), wg.peers().size(),
                wg.peers().stream().mapToInt(p -> p.allowedIps().size()).sum(), desired.routes().size(),
                !desired.nftTables().isEmpty(),
                (int) wg.peers().stream().flatMap(p -> p.allowedIps().stream())
                        .filter(c -> c.family() == IpFamily.IPV6).count(),
                (int) desired.routes().stream().filter(r -> r.destination().family() == IpFamily.IPV6)
                        .count()));
        return new NodeStatus(node, Optional.of(key.publicKey().base64()), listenPort,
                Optional.of(sourced.revision().toString()), phase, conditions, dataplane, peers, key.created(),
                pqKey.map(PqPublicKey::base64));
    }
}
