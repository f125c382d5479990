package dev.gitwire.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's bare cache of a remote, fetched from for months: it must stay small. */
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
}
