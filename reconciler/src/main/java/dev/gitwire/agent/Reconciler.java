package dev.gitwire.agent;

import dev.gitwire.dataplane.Dataplane;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.DesiredDataplane.WireguardSpec;
import dev.gitwire.desired.HandshakeGate;
import dev.gitwire.desired.PeerReport;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Guard;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.Cidr;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Operation;
import dev.gitwire.plan.Operation.RemovePeer;
import dev.gitwire.plan.Operation.UpdatePeer;
import dev.gitwire.plan.Plan;
import dev.gitwire.plan.Planner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One reconcile, as the Flink operator splits it: observe, decide the target, plan the least change, execute
 * it, observe again, and call the node converged only when the second plan is empty. The target is the desired
 * state with what the kernel shows applied to it (issue 13): peers not yet proven by a handshake are not routed
 * ({@link HandshakeGate}), and what stops being a peer, or the whole device on disable, keeps accepting for a
 * grace period after the routes into it are gone, so that peers still sending through the tunnel are heard.
 * Used by one thread at a time: it remembers since when each such grace runs.
 */
public final class Reconciler {

    private final Dataplane kernel;
    private final Clock clock;
    private final Duration grace;
    private Optional<Instant> drainingSince = Optional.empty();
    private final Map<PublicKey, Instant> leavingSince = new HashMap<>();
    private final Map<PublicKey, Instant> awaitingSince = new HashMap<>();

    private final PeerRepair repair;
    /** The peers the last reconcile routed into the tunnel: the ones a repair looks after. */
    private Set<PublicKey> routed = Set.of();

    public Reconciler(Dataplane kernel, Clock clock, Duration grace) {
        this(kernel, clock, grace, new PeerRepair(PeerRepair.REJECT_AFTER_TIME, PeerRepair.BETWEEN));
    }

    public Reconciler(Dataplane kernel, Clock clock, Duration grace, PeerRepair repair) {
        this.kernel = kernel;
        this.clock = clock;
        this.grace = grace;
        this.repair = repair;
    }

    /**
     * The outcome: the target reconciled to, what was planned, what was left over after it, the failure that
     * stopped it if any, when a grace period ends (a reconcile is due then), and how long the peers proven in
     * this reconcile waited for their first handshake, the routed peers silent although repaired, each since
     * when ({@link PeerRepair}), and how long each phase it reached took.
     */
    public record Outcome(DesiredDataplane target, Plan executed, Plan residual, Optional<String> failure,
            ObservedDataplane after, Optional<Instant> revisitAt, List<Duration> handshakeWaits,
            Map<PublicKey, Instant> unreachable, Map<Phase, Duration> took) {
        public Outcome {
            unreachable = Map.copyOf(unreachable);
            took = Map.copyOf(took);
        }

        public boolean converged() {
            return failure.isEmpty() && residual.isEmpty();
        }
    }

    /**
     * The steps of a reconcile, timed: where the time of a slow one goes (a large kernel read, the kernel's changes,
     * the read that verifies them).
     */
    public enum Phase {
        /** Reading the kernel, with any retirement of an old ownership and any repair of a silent peer. */
        OBSERVE,
        /** The target from the desired state and what the kernel shows, and the least change to it. */
        PLAN,
        /** The changes, through netlink, WireGuard and nft. */
        EXECUTE,
        /** The kernel read again and planned against again: converged when that plan is empty. */
        VERIFY;

        /** The metric label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a reconcile aims at, from what the kernel has: draining is the first half of a teardown. */
    private record Target(DesiredDataplane desired, boolean draining, Optional<Instant> revisitAt) {
        Plan diff(ObservedDataplane actual) {
            return draining ? Planner.drain(actual, desired) : Planner.diff(actual, desired);
        }
    }

    /** What one reconcile would aim at and change now. */
    public record Preview(DesiredDataplane target, Plan plan) {}

    /** What one reconcile would change now; changes nothing, not even the grace periods' clocks. */
    public Preview plan(DesiredDataplane desired) {
        ObservedDataplane actual = kernel.observe(desired.owned());
        Target target = target(desired, actual, false);
        return new Preview(target.desired(), target.diff(actual));
    }

    /**
     * One reconcile. An error of the kernel (netlink, nft, wireguard-go), while observing or while changing it,
     * is the outcome's failure, never an exception: the agent retries, the kernel keeps what it has.
     */
    public Outcome reconcile(DesiredDataplane desired) {
        return reconcile(desired, () -> { });
    }

    /**
     * One reconcile, telling {@code reading} just before each read of the kernel its plan and its verdict rest on:
     * whatever the kernel told of before then is in that read.
     */
    public Outcome reconcile(DesiredDataplane desired, Runnable reading) {
        PhaseClock phases = new PhaseClock();
        ObservedDataplane actual;
        Plan retired = new Plan(List.of());
        Optional<Ownership> before = kernel.ownedBefore();
        if (before.isPresent() && !before.get().equals(desired.owned())) { // renamed or renumbered in the intent
            try {
                retired = Planner.retire(kernel.observe(before.get()), before.get(), desired.owned());
                kernel.execute(retired, before.get());
            } catch (RuntimeException e) {
                return new Outcome(desired, retired, retired, Optional.of("cannot remove the device, rule and routes"
                        + " of " + before.get() + ": " + message(e)), ObservedDataplane.empty(), Optional.empty(),
                        List.of(), Map.of(), phases.ended(Phase.OBSERVE));
            }
        }
        try {
            reading.run();
            actual = kernel.observe(desired.owned());
        } catch (RuntimeException e) {
            return new Outcome(desired, new Plan(List.of()), new Plan(List.of()),
                    Optional.of("cannot observe the kernel: " + message(e)), ObservedDataplane.empty(),
                    Optional.empty(), List.of(), Map.of(), phases.ended(Phase.OBSERVE));
        }
        Plan repairs;
        try {
            repairs = repairs(desired, actual);
            if (!repairs.isEmpty()) {
                reading.run();
                actual = kernel.observe(desired.owned());
            }
        } catch (RuntimeException e) {
            return new Outcome(desired, new Plan(List.of()), new Plan(List.of()),
                    Optional.of("cannot repair a silent peer: " + message(e)), actual, Optional.empty(), List.of(),
                    repair.unreachable(), phases.ended(Phase.OBSERVE));
        }
        phases.ended(Phase.OBSERVE);
        Target target = target(desired, actual, true);
        Plan plan = target.diff(actual);
        phases.ended(Phase.PLAN);
        Optional<String> failure = Optional.empty();
        try {
            kernel.execute(plan, desired.owned());
        } catch (RuntimeException e) {
            failure = Optional.of(message(e));
        }
        phases.ended(Phase.EXECUTE);
        ObservedDataplane after;
        try {
            if (plan.isEmpty()) { // nothing was executed: the observation just made is the verification
                after = actual; // (a 100,000-route read saved)
            } else {
                reading.run();
                after = kernel.observe(desired.owned());
            }
        } catch (RuntimeException e) {
            return new Outcome(target.desired(), plan, plan, Optional.of(failure.map(f -> f + "; ").orElse("")
                    + "cannot verify: " + message(e)), actual, target.revisitAt(), List.of(), repair.unreachable(),
                    phases.ended(Phase.VERIFY));
        }
        Plan residual = after == actual ? plan : target.diff(after); // nothing executed: the same diff again
        phases.ended(Phase.VERIFY);
        if (failure.isEmpty() && residual.isEmpty() && !kernel.ownedBefore().equals(Optional.of(desired.owned()))) {
            kernel.remember(desired.owned());
        }
        routed = target.desired().peerKeys(PeerReport.State.PEERED);
        return new Outcome(target.desired(), retired.followedBy(repairs).followedBy(plan), residual, failure, after,
                target.revisitAt(), handshakeWaits(target.desired()), repair.unreachable(), phases.took());
    }

    /** Times the phases of one reconcile, each from the end of the one before. */
    private static final class PhaseClock {
        private final Map<Phase, Duration> took = new EnumMap<>(Phase.class);
        private long since = System.nanoTime();

        /** Ends {@code phase} now; what was timed so far. */
        Map<Phase, Duration> ended(Phase phase) {
            long now = System.nanoTime();
            took.put(phase, Duration.ofNanos(now - since));
            since = now;
            return took;
        }

        Map<Phase, Duration> took() {
            return took;
        }
    }

    /**
     * The repair's steps for the routed peers gone silent (re-initiate, recreate), executed before the plan, and
     * returned as what was executed. A recreated peer is added again by the plan, its destinations held by the guard
     * meanwhile.
     */
    private Plan repairs(DesiredDataplane desired, ObservedDataplane actual) {
        if (!desired.enabled() || actual.device().isEmpty()) {
            return new Plan(List.of());
        }
        List<PeerState> peers = actual.device().get().peers();
        List<Operation> executed = new ArrayList<>();
        for (PeerRepair.Step step : repair.look(clock.instant(), peers, routed)) {
            PeerConfig peer = peers.stream().map(PeerState::config).filter(c -> c.publicKey().equals(step.peer()))
                    .findFirst().orElseThrow();
            // one plan each: the kernel layer merges a run of updates to one peer, and the keepalive must go from 0
            // to non-zero for WireGuard to send an initiation at once
            List<Operation> ops = step instanceof PeerRepair.Step.Reinitiate
                    ? List.of(new UpdatePeer(peer.publicKey(), peer.endpoint(), Duration.ZERO),
                            new UpdatePeer(peer.publicKey(), peer.endpoint(), PeerRepair.REINITIATE_KEEPALIVE))
                    : List.of(new RemovePeer(peer.publicKey()));
            for (Operation op : ops) {
                kernel.execute(new Plan(List.of(op)), desired.owned());
                executed.add(op);
            }
        }
        return new Plan(executed);
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** What {@link #installPresharedKeys} did, and the device as it read it before. */
    public record KeysInstalled(Plan executed, Optional<DeviceState> device) {}

    /**
     * The pre-shared keys of {@code desired}'s peers onto the device at once, nothing else ({@link
     * Planner#presharedKeys}): a key just agreed, which the other end installs at the same moment. The next reconcile
     * verifies it with the rest.
     */
    public KeysInstalled installPresharedKeys(DesiredDataplane desired) {
        Optional<DeviceState> device = kernel.device(desired.owned());
        Plan plan = device.map(d -> Planner.presharedKeys(d, desired)).orElse(new Plan(List.of()));
        if (!plan.isEmpty()) {
            kernel.execute(plan, desired.owned());
        }
        return new KeysInstalled(plan, device);
    }

    /** Whether a peer that was waiting for its first handshake now has one: then a reconcile routes it. */
    public boolean handshakeArrived(DesiredDataplane target) {
        Set<PublicKey> waiting = target.peerKeys(PeerReport.State.AWAITING_HANDSHAKE);
        if (waiting.isEmpty()) {
            return false;
        }
        try {
            return kernel.device(target.owned()).map(d -> d.peers().stream()
                    .anyMatch(p -> waiting.contains(p.config().publicKey()) && p.latestHandshake().isPresent()))
                    .orElse(false);
        } catch (RuntimeException e) {
            return false; // a look that failed found nothing new; the next reconcile reports the error
        }
    }

    private Target target(DesiredDataplane desired, ObservedDataplane actual, boolean remember) {
        Instant now = clock.instant();
        if (!desired.enabled()) {
            if (remember) {
                leavingSince.clear();
                awaitingSince.clear();
            }
            boolean accepting = actual.linkIsOurs() && actual.device().map(d -> !d.peers().isEmpty()).orElse(false);
            if (!accepting || grace.isZero()) {
                if (remember) {
                    drainingSince = Optional.empty();
                }
                return new Target(desired, false, Optional.empty());
            }
            Instant since = drainingSince.orElse(now);
            if (remember) {
                drainingSince = Optional.of(since);
            }
            Instant end = since.plus(grace);
            return now.isBefore(end) ? new Target(desired, true, Optional.of(end))
                    : new Target(desired, false, Optional.empty());
        }
        if (remember) {
            drainingSince = Optional.empty();
        }
        DesiredDataplane gated = HandshakeGate.apply(desired,
                actual.guard().map(Guard::destinations).orElse(new TreeSet<>()), actual.handshaken());
        return lingering(gated, actual.device(), now, remember);
    }

    /** The target with peers that are no longer wanted kept, without routes, until their grace period ends. */
    private Target lingering(DesiredDataplane gated, Optional<DeviceState> device, Instant now, boolean remember) {
        WireguardSpec wg = gated.wireguard().orElseThrow();
        Set<PublicKey> wanted = new HashSet<>();
        Set<Cidr> claimed = new HashSet<>();
        wg.peers().forEach(p -> {
            wanted.add(p.publicKey());
            claimed.addAll(p.allowedIps());
        });
        List<PeerConfig> kept = new ArrayList<>();
        Optional<Instant> revisit = Optional.empty();
        Set<PublicKey> leaving = new HashSet<>();
        for (PeerState p : device.map(DeviceState::peers).orElse(List.of())) {
            PublicKey key = p.config().publicKey();
            if (wanted.contains(key) || grace.isZero()) {
                continue;
            }
            leaving.add(key);
            Instant end = leavingSince.getOrDefault(key, now).plus(grace);
            if (now.isBefore(end)) {
                TreeSet<Cidr> ips = new TreeSet<>(p.config().allowedIps());
                ips.removeAll(claimed);
                kept.add(new PeerConfig(key, p.config().endpoint(), p.config().persistentKeepalive(), ips,
                        p.config().presharedKey()));
                revisit = revisit.filter(r -> r.isBefore(end)).or(() -> Optional.of(end));
            }
        }
        if (remember) {
            leavingSince.keySet().retainAll(leaving);
            leaving.forEach(k -> leavingSince.putIfAbsent(k, now));
        }
        if (kept.isEmpty()) {
            return new Target(gated, false, revisit);
        }
        List<PeerConfig> peers = new ArrayList<>(wg.peers());
        peers.addAll(kept);
        return new Target(gated.withPeers(peers), false, revisit);
    }

    /** How long each peer that this target proves waited, since it was first seen waiting. */
    private List<Duration> handshakeWaits(DesiredDataplane target) {
        Instant now = clock.instant();
        List<Duration> waits = new ArrayList<>();
        Set<PublicKey> waiting = new HashSet<>();
        for (PeerReport r : target.reports()) {
            if (r.key().isEmpty()) {
                continue;
            }
            PublicKey key = r.key().get();
            if (r.state() == PeerReport.State.AWAITING_HANDSHAKE) {
                waiting.add(key);
                awaitingSince.putIfAbsent(key, now);
            } else if (r.state() == PeerReport.State.PEERED && awaitingSince.containsKey(key)) {
                waits.add(Duration.between(awaitingSince.remove(key), now));
            }
        }
        awaitingSince.keySet().retainAll(waiting); // proven ones were removed above; the others no longer wait
        return waits;
    }
}
