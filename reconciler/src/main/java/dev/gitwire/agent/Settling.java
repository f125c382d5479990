package dev.gitwire.agent;

import dev.gitwire.schedule.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * What a reconcile still waits for before the node is settled, one policy for `gitwire apply` (which sleeps, then
 * exits) and `gitwire run` (which schedules): a grace period to run out (a teardown; reconcile again when it is
 * over), and peers awaiting a first handshake (look at the device soon, then less often up to every 2 s; reconcile
 * when one arrived). Used by one thread at a time.
 */
public final class Settling {

    /** How soon, then how often at most, a peer awaiting its first handshake is looked at again. */
    static final Backoff HANDSHAKE_CHECKS = Backoff.doubling(Duration.ofMillis(50), Duration.ofSeconds(2));

    private final Clock clock;
    private final Backoff.Retries handshakeChecks = HANDSHAKE_CHECKS.retries(new Random()); // no jitter: a local look
    private List<String> awaiting = List.of();

    public Settling(Clock clock) {
        this.clock = clock;
    }

    /**
     * What is left to wait for.
     *
     * @param graceLeft when to reconcile again for a grace period to end
     * @param handshakeCheck when to look at the device for a first handshake
     * @param newlyAwaiting the peers awaiting a first handshake, when they differ from the last reconcile's
     */
    public record Pending(Optional<Duration> graceLeft, Optional<Duration> handshakeCheck,
            Optional<List<String>> newlyAwaiting) {

        public boolean settled() {
            return graceLeft.isEmpty() && handshakeCheck.isEmpty();
        }

        /** The same, with the next look at the device {@code in} from now. */
        public Pending checkAgainIn(Duration in) {
            return new Pending(graceLeft, Optional.of(in), Optional.empty());
        }
    }

    /** After a reconcile: its grace period, and its peers awaiting a handshake (checks start over when they change). */
    public Pending after(Reconciler.Outcome outcome) {
        Optional<Duration> grace = outcome.revisitAt()
                .map(at -> Duration.ofMillis(Math.max(0, Duration.between(clock.instant(), at).toMillis())));
        List<String> waiting = outcome.target().awaitingHandshake();
        boolean changed = !waiting.equals(awaiting);
        if (changed) {
            handshakeChecks.reset();
        }
        awaiting = waiting;
        return new Pending(grace, waiting.isEmpty() ? Optional.empty() : Optional.of(handshakeChecks.next()),
                changed && !waiting.isEmpty() ? Optional.of(waiting) : Optional.empty());
    }

    /** After a look at the device that found no new handshake: when to look again. */
    public Duration noHandshakeYet() {
        return handshakeChecks.next();
    }
}
