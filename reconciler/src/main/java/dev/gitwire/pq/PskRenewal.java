package dev.gitwire.pq;

import dev.gitwire.keys.PresharedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One end's pre-shared key for one peer over time (issue 31): which key is on the device, which one a WireGuard
 * handshake last proved, and when the initiator starts the next exchange. Pure: the agent feeds it what the device
 * and the exchanges said, and puts on the device what it returns.
 *
 * <p>Why no failed handshake (the failure that made NetBird give up Rosenpass): WireGuard reads the pre-shared key
 * only when it makes a handshake, every 2 minutes while traffic flows. An exchange starts just after a handshake,
 * so both ends install its key (the responder when {@code InitConf} verifies, the initiator when {@code Done} does,
 * one round trip apart) about 2 minutes before the key is first used. The initiator installs only a key the
 * responder has confirmed holding; the one gap is a lost {@code Done}: the responder holds the new key, the
 * initiator the old one. The initiator retries every {@link #RETRY}, and each exchange that completes puts both on
 * its key; if none completes before the next handshake fails, the stalled pair makes each end go back to the last
 * key a handshake proved, which both hold ({@link #stalled}). Keys live in memory and on the device only.
 */
public final class PskRenewal {

    /** Every second natural rekey (WireGuard's REKEY_AFTER_TIME is 120 s). */
    public static final Duration RENEW_EVERY = Duration.ofMinutes(4);
    /** WireGuard's REKEY_AFTER_TIME: a renewal more often than this cannot wait for a handshake (tests only). */
    static final Duration REKEY_AFTER = Duration.ofMinutes(2);
    /** An exchange that failed, or had no answer, is tried again after this; WireGuard's REKEY_TIMEOUT. */
    public static final Duration RETRY = Duration.ofSeconds(5);
    /** How fresh a handshake must be for an exchange to start after it, well before the next one is due. */
    static final Duration AFTER_HANDSHAKE = Duration.ofSeconds(60);
    /**
     * A renewal waits this long after a handshake: the two ends install a key a round trip and a reconcile apart, and
     * a handshake whose initiation and response straddle that gap fails and is retried only 5 s later; the handshakes
     * of a new session (both ends may initiate) are over by then.
     */
    static final Duration SETTLED = Duration.ofSeconds(10);
    /** A key is suspected only once WireGuard has tried it: three handshake initiations, 5 s apart. */
    static final Duration TRIED = Duration.ofSeconds(15);

    /** A key on the device: its epoch, and whether a handshake made after it was installed proved both ends hold it. */
    private record Slot(long epoch, PresharedKey key, Instant installedAt, boolean proven) {}

    private final Duration renewEvery;
    private Optional<Slot> installed;
    private Optional<Slot> previous = Optional.empty();
    private Optional<Instant> retryAt = Optional.empty();

    private PskRenewal(Duration renewEvery, Optional<Slot> installed) {
        this.renewEvery = renewEvery;
        this.installed = installed;
    }

    /** A peer just added: no key agreed yet; keys renewed every {@code renewEvery} ({@link #RENEW_EVERY}). */
    public static PskRenewal fresh(Duration renewEvery) {
        return new PskRenewal(renewEvery, Optional.empty());
    }

    /**
     * An agent restarted with {@code onDevice} on the device (the kernel's device outlives the agent): kept, unproven,
     * and renewed at once, since its epoch and whether the peer holds it were lost with the process.
     */
    public static PskRenewal restarted(Optional<PresharedKey> onDevice, Duration renewEvery, Instant now) {
        return new PskRenewal(renewEvery, onDevice.map(k -> new Slot(0, k, now.minus(renewEvery), false)));
    }

    /** The key that should be on the device now; none before the first exchange. */
    public Optional<PresharedKey> key() {
        return installed.map(Slot::key);
    }

    /** The epoch the initiator's next exchange agrees on. */
    public long nextEpoch() {
        return installed.map(Slot::epoch).orElse(0L) + 1;
    }

    /**
     * As initiator: whether to start an exchange now. With no key yet, or a key from before a restart, at once; a
     * key older than the renewal period, soon after a handshake but not during one ({@link #SETTLED}); after a
     * failure, {@link #RETRY} later.
     */
    public boolean due(Instant now, Optional<Instant> latestHandshake) {
        if (retryAt.isPresent()) {
            return !now.isBefore(retryAt.get());
        }
        if (installed.isEmpty() || installed.get().epoch() == 0) {
            return true;
        }
        boolean old = !now.isBefore(installed.get().installedAt().plus(renewEvery));
        boolean settled = latestHandshake.filter(h -> !now.isBefore(h.plus(SETTLED))).isPresent();
        return old && settled && (renewEvery.compareTo(REKEY_AFTER) < 0
                || latestHandshake.filter(h -> !now.isAfter(h.plus(AFTER_HANDSHAKE))).isPresent());
    }

    /** As initiator: the exchange started now failed or had no answer (a lost {@code Done} included). */
    public void failed(Instant now) {
        retryAt = Optional.of(now.plus(RETRY));
    }

    /** An exchange agreed (either role): its key, to put on the device now. */
    public PresharedKey agreed(PskExchange.Agreed agreed, Instant now) {
        installed.filter(Slot::proven).ifPresent(proven -> previous = Optional.of(proven));
        installed = Optional.of(new Slot(agreed.epoch(), agreed.presharedKey(), now, false));
        retryAt = Optional.empty();
        return agreed.presharedKey();
    }

    /** The device's latest handshake: one made after the key was installed proves both ends hold it. */
    public void handshake(Instant at) {
        installed.filter(s -> !s.proven() && at.isAfter(s.installedAt()))
                .ifPresent(s -> installed = Optional.of(new Slot(s.epoch(), s.key(), s.installedAt(), true)));
    }

    /**
     * The pair is stalled (bytes sent, none received, no handshake for longer than a rekey allows). Once WireGuard has
     * tried the installed key for {@link #TRIED}: the initiator renews (a key both ends install is the likelier fix),
     * and an unproven key, which may be one the peer does not hold, gives way to the last key a handshake proved, if
     * there is one. Returns the key to put on the device when it changed.
     */
    public Optional<PresharedKey> stalled(Instant now) {
        if (installed.isPresent() && now.isBefore(installed.get().installedAt().plus(TRIED))) {
            return Optional.empty();
        }
        retryAt = retryAt.or(() -> Optional.of(now));
        if (installed.isEmpty() || installed.get().proven() || previous.isEmpty()) {
            return Optional.empty();
        }
        installed = previous;
        previous = Optional.empty();
        return installed.map(Slot::key);
    }
}
