package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.agent.PeerRepair.Step;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Issue 31 point 2: the steps that repair a silent routed peer, and what never counts as silent. */
class PeerRepairTest {

    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
    private static final Duration AFTER = Duration.ofSeconds(180);
    private static final Duration BETWEEN = Duration.ofSeconds(15);
    private final PublicKey peer = PrivateKey.generate(new SecureRandom()).publicKey();
    private final PeerRepair repair = new PeerRepair(AFTER, BETWEEN);

    private PeerState state(Optional<Instant> handshake, long received, long sent) {
        return new PeerState(new PeerConfig(peer, Optional.empty(), Duration.ZERO, new TreeSet<>()), handshake, received,
                sent);
    }

    private List<Step> look(int seconds, Optional<Instant> handshake, long received, long sent, boolean routed) {
        return repair.look(T0.plusSeconds(seconds), List.of(state(handshake, received, sent)),
                routed ? Set.of(peer) : Set.of());
    }

    @Test
    void aSilentRoutedPeerIsReinitiatedThenRecreatedThenReportedUnreachableUntilItAnswers() {
        Optional<Instant> old = Optional.of(T0.minusSeconds(200));
        assertThat(look(0, old, 100, 1000, true)).as("a first look only counts").isEmpty();
        assertThat(look(5, old, 100, 1500, true)).containsExactly(new Step.Reinitiate(peer));
        assertThat(look(10, old, 100, 1800, true)).as("the step before has its time").isEmpty();
        assertThat(repair.unreachable()).isEmpty();
        assertThat(look(20, old, 100, 2000, true)).containsExactly(new Step.Recreate(peer));
        assertThat(look(35, old, 100, 2100, true)).containsExactly(new Step.Reinitiate(peer));
        assertThat(repair.unreachable()).containsEntry(peer, T0.plusSeconds(5));
        assertThat(look(50, old, 100, 2200, true)).as("and again, every 15 s").containsExactly(new Step.Reinitiate(peer));

        assertThat(look(55, Optional.of(T0.plusSeconds(54)), 180, 2300, true)).as("a handshake: repaired").isEmpty();
        assertThat(repair.unreachable()).isEmpty();
        assertThat(repair.repairing()).isFalse();
    }

    @Test
    void whatIsNotSilentIsLeftAlone() {
        Optional<Instant> old = Optional.of(T0.minusSeconds(200));
        look(0, old, 100, 1000, true);
        assertThat(look(5, old, 100, 1000, true)).as("idle: nothing sent").isEmpty();
        assertThat(look(10, old, 200, 1500, true)).as("answering: bytes came back").isEmpty();
        assertThat(look(15, Optional.of(T0.minusSeconds(100)), 200, 2000, true))
                .as("a handshake younger than WireGuard keeps a session").isEmpty();
        assertThat(look(20, Optional.of(T0.minusSeconds(100)), 200, 2500, false)).isEmpty();
        assertThat(look(400, old, 200, 3000, false)).as("not routed: the handshake gate's, not a repair's").isEmpty();
        assertThat(repair.repairing()).isFalse();
    }

    @Test
    void aPeerNeverHandshakenThatIsRoutedCountsAsOld() {
        look(0, Optional.empty(), 0, 1000, true);
        assertThat(look(5, Optional.empty(), 0, 1500, true)).containsExactly(new Step.Reinitiate(peer));
    }

    @Test
    void aPeerThatLeavesTheDeviceIsForgotten() {
        Optional<Instant> old = Optional.of(T0.minusSeconds(200));
        look(0, old, 100, 1000, true);
        look(5, old, 100, 1500, true);
        assertThat(repair.repairing()).isTrue();
        assertThat(repair.look(T0.plusSeconds(10), List.of(), Set.of())).isEmpty();
        assertThat(repair.repairing()).isFalse();
    }
}
