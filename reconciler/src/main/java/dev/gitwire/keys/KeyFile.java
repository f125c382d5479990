package dev.gitwire.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The node's private key in {@code <state-dir>/private.key}, in the {@code wg genkey} format, mode 0600:
 * created once, with its mode set at creation (never a moment world-readable), and used as it is after.
 */
public final class KeyFile {

    public static final String NAME = "private.key";

    private KeyFile() {}

    public static PrivateKey loadOrCreate(Path stateDirectory) throws IOException {
        Path file = stateDirectory.resolve(NAME);
        if (!Files.exists(file)) {
            Files.createDirectories(stateDirectory);
            PrivateKey fresh = PrivateKey.generate(new SecureRandom());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, fresh.base64() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: use that one
            }
        }
        try {
            return PrivateKey.parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not hold a WireGuard private key (" + e.getMessage() + ")");
        }
    }
}
