package dev.gitwire.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Shell;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's bare cache of a remote: fetched from for months, it must stay small; only the flags say where it fetches. */
class GitRemoteTest {

    /** git's and JGit's default gc.autoPackLimit. */
    private static final int AUTO_PACK_LIMIT = 50;

    @TempDir
    Path tmp;

    @Test
    void aLongRunningCacheIsRepackedInsteadOfGrowingAPackPerFetch() throws Exception {
        Path bare = tmp.resolve("remote.git");
        Shell.run("git", "init", "-q", "--bare", "-b", "main", bare.toString());
        GitWorkTree work = new GitWorkTree(tmp.resolve("work"), "file://" + bare, Map.of());
        try (GitRemote remote = new GitRemote("file://" + bare, tmp.resolve("state"), GitAccess.anonymous())) {
            String last = "";
            for (int i = 0; i < AUTO_PACK_LIMIT + 20; i++) {
                Files.writeString(work.dir().resolve("status.yaml"), "revision: " + i + "\n");
                last = work.commit("change " + i, List.of());
                work.push(false);
                assertThat(remote.fetch("main").orElseThrow().name()).isEqualTo(last);
            }
            long packs;
            try (var files = Files.list(remote.repository().getDirectory().toPath().resolve("objects/pack"))) {
                packs = files.filter(f -> f.toString().endsWith(".pack")).count();
            }
            assertThat(packs).as("packs after %d fetches", AUTO_PACK_LIMIT + 20).isBetween(1L, (long) AUTO_PACK_LIMIT);
            assertThat(remote.cached("main").orElseThrow().name()).isEqualTo(last);
            // everything fetched is still there, history included
            assertThat(Shell.run("git", "--git-dir", remote.repository().getDirectory().toString(), "rev-list", "--count",
                    GitRemote.trackingRef("main")).strip()).isEqualTo(Integer.toString(AUTO_PACK_LIMIT + 20));
        }
    }

    /**
     * A Git configuration of the host (~/.gitconfig, /etc/gitconfig, JGit's own) can define a remote named like the
     * intent's URL with another URL, or turn TLS verification off: gitwire's repositories read none of it.
     */
    @Test
    void theHostsGitConfigurationCannotRedirectAFetch() throws Exception {
        Path intent = tmp.resolve("intent.git");
        Path elsewhere = tmp.resolve("elsewhere.git");
        String wanted = commitOn(intent, "the intent");
        String other = commitOn(elsewhere, "someone else's");
        Path home = Files.createDirectories(tmp.resolve("home"));
        String redirect = "[remote \"file://" + intent + "\"]\n\turl = file://" + elsewhere + "\n";
        Files.writeString(home.resolve(".gitconfig"), redirect + "[http]\n\tsslVerify = false\n");
        Files.createDirectories(home.resolve(".config/jgit")); // JGit's own file, where it keeps file system facts
        Files.writeString(home.resolve(".config/jgit/config"), redirect
                + "[filesystem \"Vendor|17|/dev/sda\"]\n\ttimestampResolution = 5000 nanoseconds\n");
        Files.writeString(home.resolve(".jgitconfig"), redirect);
        File ownHome = FS.DETECTED.userHome();
        SystemReader reader = SystemReader.getInstance();
        FS.DETECTED.setUserHome(home.toFile());
        SystemReader.setInstance(new SystemReader.Delegate(reader)); // no user configuration read before this test
        try (GitRemote remote = new GitRemote("file://" + intent, tmp.resolve("state"), GitAccess.anonymous())) {
            assertThat(remote.fetch("main").orElseThrow().name()).as("fetched, not %s", other).isEqualTo(wanted);
            // what JGit measured of the file system, where JGit reads it: else each process measures for seconds
            assertThat(SystemReader.getInstance().getUserConfig().getString("filesystem", "Vendor|17|/dev/sda",
                    "timestampResolution")).isEqualTo("5000 nanoseconds");
            assertThat(remote.repository().getConfig().getBoolean("http", "sslVerify", true))
                    .as("TLS verification, as an HTTPS fetch reads it").isTrue();
        } finally {
            FS.DETECTED.setUserHome(ownHome);
            SystemReader.setInstance(reader);
        }
    }

    /**
     * A read-only home (the agent's container has readOnlyRootFilesystem): JGit could not keep what it measured of
     * the file system and logged two errors at every start ("Creating lock file ... failed", "Cannot save config
     * file"); it keeps nothing there now, quietly, and measures again at the next start.
     */
    @Test
    void aHomeThatCannotBeWrittenIsLeftAloneQuietly() throws Exception {
        Path intent = tmp.resolve("intent.git");
        String wanted = commitOn(intent, "the intent");
        Path home = Files.writeString(tmp.resolve("not-a-directory"), "").resolve("home");
        File ownHome = FS.DETECTED.userHome();
        SystemReader reader = SystemReader.getInstance();
        FS.DETECTED.setUserHome(home.toFile());
        SystemReader.setInstance(new SystemReader.Delegate(reader));
        try (GitRemote remote = new GitRemote("file://" + intent, tmp.resolve("state"), GitAccess.anonymous())) {
            assertThat(remote.fetch("main").orElseThrow().name()).isEqualTo(wanted);
            StoredConfig own = SystemReader.getInstance().getJGitConfig();
            own.setString("filesystem", "Vendor|17|/dev/sda", "timestampResolution", "5000 nanoseconds");
            own.save(); // as JGit does after measuring, where a failure is logged as an error
        } finally {
            FS.DETECTED.setUserHome(ownHome);
            SystemReader.setInstance(reader);
        }
    }

    private String commitOn(Path bare, String message) {
        Shell.run("git", "init", "-q", "--bare", "-b", "main", bare.toString());
        try {
            GitWorkTree work = new GitWorkTree(tmp.resolve(bare.getFileName() + ".work"), "file://" + bare, Map.of());
            String commit = work.commit(message, List.of());
            work.push(false);
            return commit;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
