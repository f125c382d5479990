package dev.gitwire.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.testing.SilentServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Git server that accepts connections and never answers (a partition, a stuck proxy): every transport
 * gives up within the deadline with the server's address in the error (issue 15). Before, git:// waited
 * for good: JGit bounds its reads by interrupting the thread, which does not unblock a socket read.
 */
class GitDeadlineTest {

    private static final Duration DEADLINE = Duration.ofSeconds(2);

    @TempDir
    Path state;

    @Test
    void gitProtocol() throws Exception {
        assertGivesUp("git", GitAccess.anonymous());
    }

    @Test
    void https() throws Exception {
        assertGivesUp("https", GitAccess.anonymous());
    }

    @Test
    void ssh() throws Exception {
        Path key = Files.writeString(state.resolve("id"), "not read: the server never gets that far\n");
        Path knownHosts = Files.writeString(state.resolve("known_hosts"), "");
        assertGivesUp("ssh", new GitAccess(Optional.empty(), Optional.of(key), Optional.of(knownHosts), Optional.empty()));
    }

    /** Without --git-ssh-key the user's own SSH set-up is used, and MINA's two-minute greeting wait was not bounded. */
    @Test
    void sshWithTheUsersOwnKeys() throws Exception {
        assertGivesUp("ssh", GitAccess.anonymous());
    }

    private void assertGivesUp(String scheme, GitAccess access) throws Exception {
        try (SilentServer server = new SilentServer();
                GitRemote remote = new GitRemote(scheme + "://127.0.0.1:" + server.port() + "/intent",
                        state.resolve(scheme), access.withTimeout(DEADLINE))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> remote.fetch("main")).isInstanceOf(GitUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:" + server.port());
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("%s:// to a silent server gave up after %d ms (deadline %d ms)%n", scheme,
                    waited.toMillis(), DEADLINE.toMillis());
            assertThat(waited).isLessThan(DEADLINE.multipliedBy(3));
        }
    }
}
