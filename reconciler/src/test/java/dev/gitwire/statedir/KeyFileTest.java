package dev.gitwire.statedir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.keys.PrivateKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {

    @Test
    void theKeyIsCreatedOnceWithMode0600AndReused(@TempDir Path state) throws IOException {
        PrivateKey first = KeyFile.loadOrCreate(state.resolve("gitwire"));
        Path file = state.resolve("gitwire/private.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).isEqualTo(first.base64() + "\n");
        assertThat(KeyFile.loadOrCreate(state.resolve("gitwire"))).isEqualTo(first);
    }

    @Test
    void anExistingFileIsUsedAsItIs(@TempDir Path state) throws IOException {
        PrivateKey mine = PrivateKey.generate(new SecureRandom());
        Files.writeString(state.resolve("private.key"), mine.base64());
        assertThat(KeyFile.loadOrCreate(state)).isEqualTo(mine);
        assertThat(Files.readString(state.resolve("private.key"))).isEqualTo(mine.base64());
    }

    @Test
    void aDamagedFileIsAnErrorThatDoesNotEchoItsContent(@TempDir Path state) throws IOException {
        Files.writeString(state.resolve("private.key"), "c2VjcmV0LWJ1dC1zaG9ydA==");
        assertThatThrownBy(() -> KeyFile.loadOrCreate(state)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not hold a WireGuard private key")
                .hasMessageNotContaining("c2VjcmV0");
    }

    @Test
    void anEmptyFileLeftByACrashIsAnErrorThatSaysTheWayOutAndIsNeverReplacedSilently(@TempDir Path state)
            throws IOException {
        Files.writeString(state.resolve("private.key"), "");
        assertThatThrownBy(() -> KeyFile.loadOrCreate(state)).isInstanceOf(IOException.class)
                .hasMessageContaining(state.resolve("private.key").toString())
                .hasMessageContaining("delete it to make a new key").hasMessageContaining("pin");
        assertThat(Files.readString(state.resolve("private.key"))).isEmpty();
    }

    @Test
    void creatingLeavesNoTemporaryFileBehind(@TempDir Path state) throws IOException {
        KeyFile.loadOrCreate(state);
        try (var files = Files.list(state)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("private.key",
                    "private.key.created");
        }
    }

    @Test
    void aNewKeyRecordsWhenItWasMadeAndAnOlderOneIsRecordedWhenFirstSeen(@TempDir Path state) throws IOException {
        Instant before = Instant.now();
        KeyFile.loadOrCreate(state.resolve("new"));
        assertThat(KeyFile.created(state.resolve("new"), Instant.EPOCH)).isBetween(before, Instant.now());

        Files.writeString(state.resolve("private.key"), PrivateKey.generate(new SecureRandom()).base64());
        Instant firstSeen = Instant.parse("2026-01-02T03:04:05Z");
        assertThat(KeyFile.created(state, firstSeen)).isEqualTo(firstSeen);
        assertThat(KeyFile.created(state, Instant.now())).as("recorded once").isEqualTo(firstSeen);
    }

    @Test
    void theNextKeyIsMadeBesideTheKeyAndReplacesItWhenPromoted(@TempDir Path state) throws IOException {
        PrivateKey first = KeyFile.loadOrCreate(state);
        assertThat(KeyFile.loadNext(state)).isEmpty();
        PrivateKey next = KeyFile.loadOrCreateNext(state);
        assertThat(next).isNotEqualTo(first);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("private.key.next"))))
                .isEqualTo("rw-------");
        assertThat(KeyFile.loadOrCreateNext(state)).as("made once, then reused").isEqualTo(next);
        assertThat(KeyFile.loadOrCreate(state)).as("the key in use is untouched").isEqualTo(first);

        Instant switched = Instant.parse("2026-12-06T10:00:00Z");
        assertThat(KeyFile.promoteNext(state, switched)).isEqualTo(next);
        assertThat(KeyFile.loadOrCreate(state)).isEqualTo(next);
        assertThat(KeyFile.loadNext(state)).isEmpty();
        assertThat(KeyFile.created(state, Instant.now())).isEqualTo(switched);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("private.key"))))
                .isEqualTo("rw-------");
    }
}
