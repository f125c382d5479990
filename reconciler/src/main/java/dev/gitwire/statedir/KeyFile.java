package dev.gitwire.statedir;

import dev.gitwire.keys.PrivateKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * The node's private key in {@code <state-dir>/private.key}, in the {@code wg genkey} format, mode 0600:
 * created with its mode set at creation (never a moment world-readable), durably (a crash leaves no file or the
 * whole key, never an empty one). A file that holds no key is an error that says what to do: gitwire never
 * replaces an unreadable key by itself, since peers and pins know it.
 *
 * <p>A rotation (issue 31) makes the next key in {@code private.key.next} first, so that it can be published, or
 * pinned by a commit, before it is used; {@link #promoteNext} then renames it over the key. When each key was
 * made is in {@code private.key.created}, written after the key: a crash between the two leaves the old time,
 * and the new key is taken for older than it is (rotated early once), never for younger.
 */
public final class KeyFile {

    public static final String NAME = "private.key";
    public static final String NEXT = "private.key.next";
    public static final String CREATED = "private.key.created";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFile() {}

    /** The key, when the file exists; nothing is created. */
    public static Optional<PrivateKey> load(Path stateDirectory) throws IOException {
        return Files.exists(stateDirectory.resolve(NAME)) ? Optional.of(loadOrCreate(stateDirectory))
                : Optional.empty();
    }

    public static PrivateKey loadOrCreate(Path stateDirectory) throws IOException {
        return loadOrCreateFile(stateDirectory.resolve(NAME));
    }

    /** The next key, when one was made; nothing is created. */
    public static Optional<PrivateKey> loadNext(Path stateDirectory) throws IOException {
        Path file = stateDirectory.resolve(NEXT);
        return Files.exists(file) ? Optional.of(loadOrCreateFile(file)) : Optional.empty();
    }

    /** The next key: the one made before (by `gitwire keys next`, or a rotation a crash cut short), else a new one. */
    public static PrivateKey loadOrCreateNext(Path stateDirectory) throws IOException {
        return loadOrCreateFile(stateDirectory.resolve(NEXT));
    }

    /** Makes the next key this node's key, made {@code now}; the key before it is gone. */
    public static PrivateKey promoteNext(Path stateDirectory, Instant now) throws IOException {
        PrivateKey next = loadNext(stateDirectory).orElseThrow(() -> new IOException("no " + NEXT + " in "
                + stateDirectory + " to switch to"));
        Files.move(stateDirectory.resolve(NEXT), stateDirectory.resolve(NAME), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        StateFile.syncDirectory(stateDirectory);
        recordCreated(stateDirectory, now);
        return next;
    }

    /**
     * When the key was made; a key without the record (made before rotation existed, or restored from a backup)
     * is recorded as made {@code now}, when first seen.
     */
    public static Instant created(Path stateDirectory, Instant now) throws IOException {
        Path file = stateDirectory.resolve(CREATED);
        if (Files.exists(file)) {
            try {
                return Instant.parse(Files.readString(file, StandardCharsets.US_ASCII).strip());
            } catch (DateTimeParseException e) {
                // an unreadable time is recorded anew: the key is replaced later than planned, not never
            }
        }
        recordCreated(stateDirectory, now);
        return now;
    }

    private static void recordCreated(Path stateDirectory, Instant when) throws IOException {
        StateFile.replace(stateDirectory.resolve(CREATED), (when + "\n").getBytes(StandardCharsets.US_ASCII),
                OWNER_ONLY);
    }

    private static PrivateKey loadOrCreateFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            PrivateKey fresh = PrivateKey.generate(new SecureRandom());
            // false: another process made it first, and that one is used
            boolean made = StateFile.create(file, (fresh.base64() + "\n").getBytes(StandardCharsets.US_ASCII),
                    OWNER_ONLY);
            if (made && file.getFileName().toString().equals(NAME)) {
                recordCreated(file.getParent(), Instant.now());
            }
        }
        try {
            return PrivateKey.parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not hold a WireGuard private key (" + e.getMessage() + "). Restore it"
                    + " from a backup, or delete it to make a new key; then the node's peers must learn the new key:"
                    + " update its pin in nodes/<node>.yaml if it has one");
        }
    }
}
