package dev.gitwire.cli;

import static dev.gitwire.cli.CliRun.gitwire;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.statedir.KeyFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 31: `gitwire keys next` makes a pinned node's next key and prints the pin change, never a private key. */
class KeysCommandTest {

    @Test
    void theNextKeyIsMadeOnceAndItsPinChangePrinted(@TempDir Path state) throws IOException {
        PrivateKey current = KeyFile.loadOrCreate(state);

        CliRun first = gitwire("keys", "next", "--node", "node-b", "--state-dir", state.toString());

        assertThat(first.exitCode()).as(first.err()).isZero();
        PrivateKey next = KeyFile.loadNext(state).orElseThrow();
        assertThat(first.out()).contains("nodes/node-b.yaml").contains("    publicKey: " + current.publicKey().base64())
                .contains("    nextPublicKey: " + next.publicKey().base64())
                .doesNotContain(next.base64()).doesNotContain(current.base64());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(KeyFile.NEXT))))
                .isEqualTo("rw-------");
        assertThat(gitwire("keys", "next", "--node", "node-b", "--state-dir", state.toString()).out())
                .as("run again: the same next key").isEqualTo(first.out());
        assertThat(KeyFile.loadOrCreate(state)).as("the key in use is untouched").isEqualTo(current);
    }

    @Test
    void aNodeWithoutAKeyYetIsAnError(@TempDir Path state) {
        CliRun run = gitwire("keys", "next", "--node", "node-b", "--state-dir", state.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no key in " + state);
        assertThat(state.resolve(KeyFile.NEXT)).doesNotExist();
    }
}
