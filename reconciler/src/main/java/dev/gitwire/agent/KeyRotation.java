package dev.gitwire.agent;

import dev.gitwire.intent.MeshNode;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.schedule.KeyRotationSlots;
import dev.gitwire.statedir.KeyFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

/**
 * This node's key over its life (issue 31, docs/operations.md "Key rotation"). A key older than the intent's
 * {@code keyRotation} is replaced at the node's slot ({@link KeyRotationSlots}): the next key is made durably,
 * published (where a publish can fail, before it is used: a key in use that no peer can learn cuts the node
 * off), then switched to; the next reconcile puts it on the device, and each peer replaces the node's peer entry
 * when it learns the key, its destinations kept in the tunnel meanwhile (the handshake gate). A pinned key
 * cannot move without a commit: it moves when the intent's {@code nextPublicKey} names the next key made by
 * `gitwire keys next`, and is reported due until then.
 */
public final class KeyRotation {

    /** This node's key now: when it was made (unknown to `plan`), the interval in force, when it is due (none: never). */
    public record KeyLife(PublicKey publicKey, Optional<Instant> created, Optional<Duration> interval,
            Optional<Instant> due, boolean dueButPinned) {

        /** The key of an agent that only looks: nothing known of its life. */
        static KeyLife unknown(PublicKey publicKey) {
            return new KeyLife(publicKey, Optional.empty(), Optional.empty(), Optional.empty(), false);
        }

        /** A node whose key is due, but pinned: it waits for a commit of {@code nextPublicKey}. */
        public Optional<String> pinDue() {
            return due.filter(at -> dueButPinned).map(at -> "the key is due for rotation since " + at + " but pinned in"
                    + " Git: run `gitwire keys next --node <node>` on the node and commit the nextPublicKey it prints");
        }
    }

    /** Where the next key goes public before it is used; standalone, the status branch does it after. */
    @FunctionalInterface
    interface Publisher {
        void publish(PublicKey next) throws IOException;
    }

    private final Path stateDirectory;
    private final Clock clock;
    private volatile PrivateKey key;
    private volatile KeyLife life;

    KeyRotation(Path stateDirectory, PrivateKey key, Clock clock) throws IOException {
        this.stateDirectory = stateDirectory;
        this.clock = clock;
        this.key = key;
        this.life = new KeyLife(key.publicKey(), Optional.of(KeyFile.created(stateDirectory, clock.instant())),
                Optional.empty(), Optional.empty(), false);
    }

    PrivateKey key() {
        return key;
    }

    KeyLife life() {
        return life;
    }

    /**
     * Replaces the key when it is due, or when the intent pins the next one; the key to use now. {@code nodes}: the
     * names of the mesh's nodes, whose order gives each its slot.
     */
    PrivateKey rotateIfDue(String node, Optional<MeshNode> listed, Optional<Duration> interval,
            Collection<String> nodes, Publisher publisher) throws IOException {
        Instant created = life.created().orElseThrow();
        Optional<Instant> due = interval.map(i -> new KeyRotationSlots(i).due(created, node, nodes));
        boolean pinned = listed.flatMap(n -> n.wireguard().publicKey()).isPresent();
        Optional<PublicKey> pinnedNext = listed.flatMap(n -> n.wireguard().nextPublicKey());
        boolean nextPinned = pinnedNext.isPresent()
                && KeyFile.loadNext(stateDirectory).map(PrivateKey::publicKey).equals(pinnedNext);
        boolean dueNow = due.filter(at -> !clock.instant().isBefore(at)).isPresent();
        if (nextPinned || dueNow && !pinned) { // a pinned next key: the commit is the decision, whatever the slot
            publisher.publish(KeyFile.loadOrCreateNext(stateDirectory).publicKey());
            Instant now = clock.instant();
            key = KeyFile.promoteNext(stateDirectory, now);
            life = new KeyLife(key.publicKey(), Optional.of(now), interval, Optional.empty(), false);
        } else {
            life = new KeyLife(key.publicKey(), Optional.of(created), interval, due, dueNow && pinned);
        }
        return key;
    }
}
