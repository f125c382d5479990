package dev.gitwire.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.cli.GitwireCommand;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.testing.GitHttpsServer;
import dev.gitwire.testing.GitSshServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.Shell;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The https and ssh transports against Git's own server programs: `git http-backend` behind HTTPS with
 * a token, and `git upload-pack` / `receive-pack` behind SSH. Both fetch the intent and push a status;
 * a wrong token, an untrusted certificate, a certificate for another name, an unknown host key and a
 * changed host key are each refused.
 */
class GitTransportsIT {

    @TempDir
    Path tmp;

    @Test
    void httpsWithATokenAndTheOperatorsCa() throws Exception {
        try (GitHttpsServer server = new GitHttpsServer(tmp.resolve("served"), "s3cret-token")) {
            String url = server.create("intent");
            String head = seed(server.path("intent"));
            Path token = Files.writeString(tmp.resolve("token"), "s3cret-token\n");
            GitAccess access = new GitAccess(Optional.of(token), Optional.empty(), Optional.empty(),
                    Optional.of(server.caFile()));

            assertFetchesAndPublishes(url, access, server.path("intent"), head);
            StringWriter out = new StringWriter();
            int exit = GitwireCommand.commandLine().setOut(new PrintWriter(out)).execute("status",
                    "--repo", url, "--git-token-file", token.toString(), "--git-ca-file", server.caFile().toString());
            assertThat(exit).as("gitwire status with the same flags as the agent").isZero();
            assertThat(out.toString()).containsPattern("node-a\\s+Ready\\s+main@sha1:" + head.substring(0, 12));

            Path wrong = Files.writeString(tmp.resolve("wrong"), "guessed");
            assertRefused(url, new GitAccess(Optional.of(wrong), Optional.empty(), Optional.empty(),
                    Optional.of(server.caFile())), "not authorized");
            assertRefused(url, new GitAccess(Optional.of(token), Optional.empty(), Optional.empty(), Optional.empty()),
                    "unable to find valid certification path");
            assertRefused(server.url("localhost", "intent"), access, "localhost");
        }
    }

    @Test
    void sshWithAKeyAndKnownHostsOnly() throws Exception {
        Path key = sshKey();
        try (GitSshServer server = new GitSshServer(tmp.resolve("served"), Files.readString(tmp.resolve("id_ecdsa.pub")))) {
            String url = server.create("intent");
            String head = seed(server.path("intent"));
            Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), server.knownHostsLine());

            assertFetchesAndPublishes(url, new GitAccess(Optional.empty(), Optional.of(key), Optional.of(knownHosts),
                    Optional.empty()), server.path("intent"), head);

            Path unknown = Files.writeString(tmp.resolve("unknown"), "");
            assertRefused(url, new GitAccess(Optional.empty(), Optional.of(key), Optional.of(unknown), Optional.empty()),
                    "Server key did not validate");
            Path changed = Files.writeString(tmp.resolve("changed"),
                    server.knownHostsLine(GitSshServer.newKey().getPublic()));
            assertRefused(url, new GitAccess(Optional.empty(), Optional.of(key), Optional.of(changed), Optional.empty()),
                    "Server key did not validate");
        }
    }

    /**
     * Issue 26 point 13, over SSH too: what a fetch reads is bounded in bytes (and time) before its commit is
     * checked; a pack larger than --git-max-fetch-bytes ends the fetch.
     */
    @Test
    void anSshFetchReadsNoMoreThanItsBudget() throws Exception {
        Path key = sshKey();
        try (GitSshServer server = new GitSshServer(tmp.resolve("served"), Files.readString(tmp.resolve("id_ecdsa.pub")))) {
            String url = server.create("intent");
            GitWorkTree work = new GitWorkTree(tmp.resolve("work"), "file://" + server.path("intent"), Map.of());
            byte[] noise = new byte[3 << 20]; // incompressible: the pack is as large
            new Random(1).nextBytes(noise);
            Files.write(work.dir().resolve("noise.bin"), noise);
            work.commit("a large commit", List.of());
            work.push(false);
            Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), server.knownHostsLine());
            GitAccess access = new GitAccess(Optional.empty(), Optional.of(key), Optional.of(knownHosts), Optional.empty());

            assertRefused(url, access.withFetchBudget(new FetchBudget(1 << 20, Duration.ofMinutes(1))),
                    "--git-max-fetch-bytes 1048576");
            try (GitRemote remote = new GitRemote(url, tmp.resolve("within"), access)) {
                assertThat(remote.fetch("main")).isPresent(); // within the default bound, the same fetch passes
            }
        }
    }

    /**
     * Issue 30 point 10: the CLI commands printed the libraries' java.util.logging lines raw to stderr (SSHD's
     * "INFO: getOrCreateProvider(BC) created instance ..."), also with GITWIRE_LOG_FORMAT=json. They go through the
     * agent's logger now, quiet below warnings.
     */
    @Test
    void theCliPrintsNoRawLibraryLogLines() throws Exception {
        Path key = sshKey();
        try (GitSshServer server = new GitSshServer(tmp.resolve("served"), Files.readString(tmp.resolve("id_ecdsa.pub")))) {
            String url = server.create("intent");
            seed(server.path("intent"));
            Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), server.knownHostsLine());
            for (String format : List.of("plain", "json")) {
                ProcessBuilder cli = new ProcessBuilder("java", "-cp", System.getProperty("java.class.path"),
                        "dev.gitwire.cli.Main", "status", "--repo", url, "--git-ssh-key", key.toString(),
                        "--git-known-hosts", knownHosts.toString());
                cli.environment().put("GITWIRE_LOG_FORMAT", format);
                cli.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Process process = cli.start();
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(err).as(format).doesNotContain("INFO: ").doesNotContain("getOrCreateProvider")
                        .doesNotContainPattern("(?m)^[A-Z][a-z]{2} \\d{1,2}, \\d{4} ");
            }
        }
    }

    /** A new ECDSA key pair, id_ecdsa and id_ecdsa.pub, that the SSH server lets in. */
    private Path sshKey() {
        Path key = tmp.resolve("id_ecdsa");
        Shell.run("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "gitwire", "-f", key.toString());
        return key;
    }

    private void assertFetchesAndPublishes(String url, GitAccess access, Path bare, String head) throws Exception {
        try (GitRemote remote = new GitRemote(url, tmp.resolve("node-a"), access)) {
            assertThat(remote.fetch("main")).hasValueSatisfying(id -> assertThat(id.name()).isEqualTo(head));
            NodeStatus status = new NodeStatus("node-a", Optional.of(PrivateKey.generate(new SecureRandom()).publicKey()
                    .base64()), 51820, Optional.of("main@sha1:" + head), NodeStatus.Phase.Ready, List.of(),
                    Optional.empty(), List.of());
            assertThat(new StatusBranch(remote, access, "gitwire/status").publish(status, 1).committed()).isTrue();
        }
        assertThat(Shell.run("git", "-C", bare.toString(), "show", "gitwire/status:nodes/node-a.yaml"))
                .contains("observedRevision: main@sha1:" + head);
    }

    private void assertRefused(String url, GitAccess access, String why) throws Exception {
        try (GitRemote remote = new GitRemote(url, tmp.resolve("refused-" + Math.abs(why.hashCode())), access)) {
            assertThatThrownBy(() -> remote.fetch("main")).isInstanceOf(GitUnavailableException.class)
                    .hasMessageContaining(why);
        }
    }

    /** A first commit on main, pushed to the bare repository by the real git; its id. */
    private String seed(Path bare) throws Exception {
        GitWorkTree work = new GitWorkTree(tmp.resolve("work"), "file://" + bare, Map.of());
        Files.writeString(work.dir().resolve("mesh.yaml"), "# intent\n");
        String head = work.commit("first", List.of());
        work.push(false);
        return head;
    }
}
