package dev.gitwire.statedir;

import dev.gitwire.pq.PqKeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The node's static ML-KEM-768 key pair in {@code <state-dir>/pq.key}: its 64-byte seed in base64, mode 0600 from
 * its creation, written durably, made once when post-quantum pre-shared keys are first turned on (issue 31).
 */
public final class PqKeyFile {

    public static final String NAME = "pq.key";

    private PqKeyFile() {}

    public static PqKeyPair loadOrCreate(Path stateDirectory) throws IOException {
        Path file = stateDirectory.resolve(NAME);
        if (!Files.exists(file)) {
            byte[] seed = PqKeyPair.generate(new SecureRandom()).seed();
            // false: another process made it first, and that one is used
            StateFile.create(file, (Base64.getEncoder().encodeToString(seed) + "\n").getBytes(StandardCharsets.US_ASCII),
                    PosixFilePermissions.fromString("rw-------"));
        }
        try {
            return PqKeyPair.fromSeed(Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII)
                    .strip()));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " does not hold an ML-KEM-768 seed. Restore it from a backup, or delete it to"
                    + " make a new one; then update its pin in nodes/<node>.yaml if it has one");
        }
    }
}
