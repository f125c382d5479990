package dev.gitwire.statedir;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state files' writes: the mode asked for from the first byte, all or nothing, no temporary file left. */
class StateFileTest {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    @TempDir
    Path dir;

    @Test
    void aReplacedFileHasItsContentAndModeAndNoTemporaryFileIsLeft() throws Exception {
        Path file = dir.resolve("private.key");
        Files.writeString(file, "old\n");

        StateFile.replace(file, "new\n".getBytes(StandardCharsets.US_ASCII), OWNER_ONLY);

        assertThat(file).hasContent("new");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(OWNER_ONLY);
        try (var listed = Files.list(dir)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactly("private.key");
        }
    }

    @Test
    void createKeepsAFileThatIsAlreadyThere() throws Exception {
        Path file = dir.resolve("private.key");

        assertThat(StateFile.create(file, "first\n".getBytes(StandardCharsets.US_ASCII), OWNER_ONLY)).isTrue();
        assertThat(StateFile.create(file, "second\n".getBytes(StandardCharsets.US_ASCII), OWNER_ONLY))
                .as("another process made it first: that one is used").isFalse();

        assertThat(file).hasContent("first");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(OWNER_ONLY);
    }
}
