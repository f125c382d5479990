package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.MeshNode.NodeWireguard;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.schedule.KeyRotationSlots;
import dev.gitwire.statedir.KeyFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 31 point 1: a key replaced at its slot, published before it is used; a pinned one only by a commit. */
class KeyRotationTest {

    private static final Duration DAY = Duration.ofDays(1);
    private static final List<String> NODES = List.of("node-a", "node-b", "node-c");
    private static final Instant MADE = Instant.parse("2026-12-01T00:00:00Z");

    private final List<PublicKey> published = new ArrayList<>();

    @Test
    void aKeyIsKeptUntilItsSlotThenReplacedByTheNextPublishedFirst(@TempDir Path state) throws IOException {
        PrivateKey first = KeyFile.loadOrCreate(state);
        KeyFile.loadOrCreateNext(state);
        PrivateKey made = KeyFile.promoteNext(state, MADE); // a key of known age
        Instant due = new KeyRotationSlots(DAY).due(MADE, "node-b", NODES);

        KeyRotation before = new KeyRotation(state, made, at(due.minusSeconds(1)));
        assertThat(before.rotateIfDue("node-b", unlisted(), Optional.of(DAY), NODES, published::add)).isEqualTo(made);
        assertThat(before.life().due()).contains(due);
        assertThat(published).isEmpty();

        KeyRotation atSlot = new KeyRotation(state, made, at(due));
        PrivateKey rotated = atSlot.rotateIfDue("node-b", unlisted(), Optional.of(DAY), NODES, published::add);
        assertThat(rotated).isNotEqualTo(made).isNotEqualTo(first);
        assertThat(published).containsExactly(rotated.publicKey());
        assertThat(KeyFile.loadOrCreate(state)).as("on disk before it is used").isEqualTo(rotated);
        assertThat(atSlot.life().created()).contains(due);
        assertThat(KeyFile.created(state, Instant.now())).isEqualTo(due);

        assertThat(atSlot.rotateIfDue("node-b", unlisted(), Optional.of(DAY), NODES, published::add))
                .as("the new key is young: kept").isEqualTo(rotated);
        assertThat(atSlot.life().due()).contains(due.plus(DAY));
    }

    @Test
    void withoutAnIntervalAKeyIsNeverReplaced(@TempDir Path state) throws IOException {
        PrivateKey key = KeyFile.loadOrCreate(state);
        KeyRotation rotation = new KeyRotation(state, key, at(Instant.now().plus(Duration.ofDays(3650))));
        assertThat(rotation.rotateIfDue("node-b", unlisted(), Optional.empty(), NODES, published::add)).isEqualTo(key);
        assertThat(rotation.life().due()).isEmpty();
        assertThat(published).isEmpty();
    }

    @Test
    void aKeyThatCannotBePublishedIsNotUsedAndTheOldOneKeepsWorking(@TempDir Path state) throws IOException {
        PrivateKey key = KeyFile.loadOrCreate(state);
        KeyRotation rotation = new KeyRotation(state, key, at(Instant.now().plus(Duration.ofDays(3))));
        assertThatThrownBy(() -> rotation.rotateIfDue("node-b", unlisted(), Optional.of(DAY), NODES, next -> {
            throw new IOException("the API server refused");
        })).hasMessageContaining("refused");
        assertThat(rotation.key()).isEqualTo(key);
        assertThat(KeyFile.loadOrCreate(state)).isEqualTo(key);
        PrivateKey waiting = KeyFile.loadNext(state).orElseThrow();

        PrivateKey rotated = rotation.rotateIfDue("node-b", unlisted(), Optional.of(DAY), NODES, published::add);
        assertThat(rotated).as("the next key made before, once it is published").isEqualTo(waiting);
        assertThat(published).containsExactly(waiting.publicKey());
    }

    @Test
    void aPinnedKeyIsReportedDueAndMovesOnlyWhenTheCommitNamesTheNextKey(@TempDir Path state) throws IOException {
        PrivateKey key = KeyFile.loadOrCreate(state);
        Clock late = at(Instant.now().plus(Duration.ofDays(3)));
        KeyRotation rotation = new KeyRotation(state, key, late);
        Optional<MeshNode> pinned = listed(key.publicKey(), Optional.empty());

        assertThat(rotation.rotateIfDue("node-b", pinned, Optional.of(DAY), NODES, published::add)).isEqualTo(key);
        assertThat(rotation.life().pinDue()).hasValueSatisfying(m -> assertThat(m).contains("gitwire keys next"));
        assertThat(published).isEmpty();

        PrivateKey next = KeyFile.loadOrCreateNext(state); // `gitwire keys next`
        assertThat(rotation.rotateIfDue("node-b", pinned, Optional.of(DAY), NODES, published::add))
                .as("made, not yet committed").isEqualTo(key);
        assertThat(rotation.rotateIfDue("node-b", listed(key.publicKey(), Optional.of(next.publicKey())),
                Optional.empty(), NODES, published::add)).as("committed: switched, with no interval set").isEqualTo(next);
        assertThat(published).containsExactly(next.publicKey());
        assertThat(rotation.life().pinDue()).isEmpty();
    }

    @Test
    void aNextPinThatNamesAnotherKeyMovesNothing(@TempDir Path state) throws IOException {
        PrivateKey key = KeyFile.loadOrCreate(state);
        KeyFile.loadOrCreateNext(state);
        KeyRotation rotation = new KeyRotation(state, key, Clock.systemUTC());
        PublicKey someoneElses = PrivateKey.generate(new SecureRandom()).publicKey();
        assertThat(rotation.rotateIfDue("node-b", listed(key.publicKey(), Optional.of(someoneElses)), Optional.of(DAY),
                NODES, published::add)).isEqualTo(key);
        assertThat(published).isEmpty();
    }

    private static Optional<MeshNode> unlisted() {
        return Optional.empty();
    }

    private static Optional<MeshNode> listed(PublicKey pin, Optional<PublicKey> next) {
        return Optional.of(new MeshNode("node-b", Map.of(), List.of(),
                new NodeWireguard(true, Optional.of(pin), next, OptionalInt.empty(), Optional.empty()), List.of(), List.of()));
    }

    private static Clock at(Instant now) {
        return Clock.fixed(now, ZoneOffset.UTC);
    }
}
