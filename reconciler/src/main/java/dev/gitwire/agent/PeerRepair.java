package dev.gitwire.agent;

import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A routed peer that went silent, repaired by steps (issue 31 point 2; docs/architecture.md, "Key lifecycle"). A
 * peer is stalled when, since the last look, bytes were sent to it and none came back, and its last handshake is
 * older than {@code after} (WireGuard's {@link #REJECT_AFTER_TIME} by default: no session is that old). Then, each step only when the one
 * before brought no handshake within {@code between}: re-initiate the handshake, recreate the peer entry, report it
 * unreachable (and re-initiate every {@code between} after that). No step routes around the tunnel: the guard keeps
 * dropping what cannot be encrypted. Used by one thread at a time (the reconciler's).
 */
public final class PeerRepair {

    /** What to do about a stalled peer now. */
    public sealed interface Step {
        PublicKey peer();

        /** Send a handshake initiation now (the keepalive set from 0 to non-zero). */
        record Reinitiate(PublicKey peer) implements Step {}

        /** Remove the peer's entry, and let the reconcile add it again: it drops any half-open handshake state. */
        record Recreate(PublicKey peer) implements Step {}
    }

    /** WireGuard never uses a session older than this (REJECT_AFTER_TIME); the default of --dead-peer-after. */
    public static final Duration REJECT_AFTER_TIME = Duration.ofSeconds(180);
    /** How long a step has to bring a handshake before the next (three of WireGuard's 5-s initiation retries). */
    public static final Duration BETWEEN = Duration.ofSeconds(15);
    /** The keepalive a re-initiation sets for a moment; the plan then sets the intent's again. */
    public static final Duration REINITIATE_KEEPALIVE = Duration.ofSeconds(5);

    private record Stall(Instant since, int steps, Instant lastStep) {}

    private record Counters(long sent, long received) {}

    private final Duration after;
    private final Duration between;
    private Map<PublicKey, Counters> before = Map.of();
    private final Map<PublicKey, Stall> stalls = new HashMap<>();

    public PeerRepair(Duration after, Duration between) {
        this.after = after;
        this.between = between;
    }

    /** The steps due now for the device's {@code peers}, of which {@code routed} are routed into the tunnel. */
    public List<Step> look(Instant now, List<PeerState> peers, Set<PublicKey> routed) {
        Map<PublicKey, Counters> counters = new HashMap<>();
        List<Step> due = new ArrayList<>();
        for (PeerState peer : peers) {
            PublicKey key = peer.config().publicKey();
            counters.put(key, new Counters(peer.sentBytes(), peer.receivedBytes()));
            Counters last = before.get(key);
            boolean silent = last != null && peer.sentBytes() > last.sent() && peer.receivedBytes() == last.received();
            boolean old = peer.latestHandshake().map(h -> h.isBefore(now.minus(after))).orElse(true);
            boolean heard = last != null && peer.receivedBytes() > last.received();
            if (!routed.contains(key) || heard || !old) {
                stalls.remove(key);
            } else if (silent || stalls.containsKey(key)) {
                stepOf(key, now).ifPresent(due::add);
            }
        }
        stalls.keySet().retainAll(counters.keySet());
        before = counters;
        return due;
    }

    private Optional<Step> stepOf(PublicKey key, Instant now) {
        Stall stall = stalls.get(key);
        if (stall == null) {
            stalls.put(key, new Stall(now, 1, now));
            return Optional.of(new Step.Reinitiate(key));
        }
        if (now.isBefore(stall.lastStep().plus(between))) {
            return Optional.empty();
        }
        stalls.put(key, new Stall(stall.since(), stall.steps() + 1, now));
        return Optional.of(stall.steps() == 1 ? new Step.Recreate(key) : new Step.Reinitiate(key));
    }

    /** The peers the steps did not bring back (re-initiation and recreation both tried), each since when stalled. */
    public Map<PublicKey, Instant> unreachable() {
        Map<PublicKey, Instant> unreachable = new HashMap<>();
        stalls.forEach((key, stall) -> {
            if (stall.steps() >= 3) {
                unreachable.put(key, stall.since());
            }
        });
        return unreachable;
    }

    /** Whether a repair is under way: a look is due within {@code between}, whatever else happens. */
    public boolean repairing() {
        return !stalls.isEmpty();
    }

    public Duration between() {
        return between;
    }
}
