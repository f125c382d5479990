package dev.gitwire.statedir;

import dev.gitwire.keys.PrivateKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * The node's private key in {@code <state-dir>/private.key}, in the {@code wg genkey} format, mode 0600:
 * created once, with its mode set at creation (never a moment world-readable), durably (a crash leaves no
 * file or the whole key, never an empty one), and used as it is after. A file that holds no key is an
 * error that says what to do: gitwire never replaces a key by itself, since peers and pins know it.
 */
public final class KeyFile {

    public static final String NAME = "private.key";

    private KeyFile() {}

    /** The key, when the file exists; nothing is created. */
    public static Optional<PrivateKey> load(Path stateDirectory) throws IOException {
        return Files.exists(stateDirectory.resolve(NAME)) ? Optional.of(loadOrCreate(stateDirectory))
                : Optional.empty();
    }

    public static PrivateKey loadOrCreate(Path stateDirectory) throws IOException {
        Path file = stateDirectory.resolve(NAME);
        if (!Files.exists(file)) {
            PrivateKey fresh = PrivateKey.generate(new SecureRandom());
            // false: another process made it first, and that one is used
            StateFile.create(file, (fresh.base64() + "\n").getBytes(StandardCharsets.US_ASCII),
                    PosixFilePermissions.fromString("rw-------"));
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
