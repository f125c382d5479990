package dev.gitwire.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.git.GitAccess;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Shell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The intent from a real `git daemon`: fetch, trust, validation, the last good intent and the server going away. */
class GitIntentSourceTest {

    @TempDir
    Path tmp;

    private static final CommitTrust ANTI_REWIND = new CommitTrust(false, Optional.empty(), Optional.empty(), false);

    private GitServer server;
    private String url;
    private GitWorkTree work;
    private Path gnupg;
    private Path state;

    @BeforeEach
    void serve() throws IOException {
        server = new GitServer(tmp.resolve("served"));
        url = server.create("intent");
        gnupg = Files.createTempDirectory(Path.of("/tmp"), "gw-gpg");
        Files.setPosixFilePermissions(gnupg, PosixFilePermissions.fromString("rwx------"));
        work = new GitWorkTree(tmp.resolve("work"), url, Map.of("GNUPGHOME", gnupg.toString()));
        IntentFixtures.copy(IntentFixtures.resource("intent/base"), work.dir());
        work.commit("first intent", List.of());
        work.push(false);
        state = tmp.resolve("state");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        Shell.tryRun(List.of("gpgconf", "--homedir", gnupg.toString(), "--kill", "all"), null);
        Shell.tryRun(List.of("rm", "-rf", gnupg.toString()), null);
    }

    private IntentSource source(CommitTrust trust) throws IOException {
        return new IntentSource(url, "main", state, GitAccess.anonymous(), trust);
    }

    private void edit(String file, String from, String to) throws IOException {
        Path path = work.dir().resolve(file);
        Files.writeString(path, Files.readString(path).replace(from, to));
    }

    @Test
    void aLastGoodRevisionThatNoLongerReadsDoesNotStopAGoodHead() throws Exception {
        try (IntentSource source = source(CommitTrust.none())) {
            source.read();
        }
        for (String damage : List.of("", "not a revision\n")) {
            Files.writeString(state.resolve("last-good/revision"), damage); // a disk that failed, a crash
            try (IntentSource source = source(CommitTrust.none())) {
                IntentSource.Sourced read = source.read();
                assertThat(read.refusal()).isEmpty();
                assertThat(read.revision().hex()).isEqualTo(work.git("rev-parse", "HEAD").strip());
            }
            assertThat(Files.readString(state.resolve("last-good/revision"))).startsWith("main@sha1:");
        }
    }

    @Test
    void aNewCommitIsFetchedAndReadFromItsTree() throws Exception {
        try (IntentSource source = source(CommitTrust.none())) {
            IntentSource.Sourced first = source.read();
            assertThat(first.refusal()).isEmpty();
            assertThat(first.revision().toString()).isEqualTo("main@sha1:" + work.git("rev-parse", "HEAD").strip());
            assertThat(first.intent().nodes()).hasSize(3);
            assertThat(source.read()).as("an unchanged head is not validated again").isSameAs(first);

            edit("mesh.yaml", "hostEncryption: true", "hostEncryption: false");
            String second = work.commit("host traffic stays plain", List.of());
            work.push(false);
            IntentSource.Sourced next = source.read();
            assertThat(next.revision().hex()).isEqualTo(second);
            assertThat(next.intent().mesh().hostEncryption()).isFalse();
        }
    }

    @Test
    void anInvalidHeadIsNeverAppliedAndItsProblemsNameFileAndLine() throws Exception {
        try (IntentSource source = source(CommitTrust.none())) {
            IntentSource.Sourced good = source.read();
            edit("nodes/node-b.yaml", "10.240.0.20]", "10.240.0.999]");
            work.commit("typo", List.of());
            work.push(false);

            IntentSource.Sourced kept = source.read();
            assertThat(kept.revision()).isEqualTo(good.revision());
            assertThat(kept.refusal()).get().asString().contains("is not valid")
                    .contains("nodes/node-b.yaml:6:15: spec.addresses[0]: '10.240.0.999' is not an IP address");
        }
    }

    @Test
    void verificationRefusesUnsignedAndUntrustedHeadsAndAppliesSignedOnes() throws Exception {
        String fingerprint = gpgKey("Alice <alice@example.com>");
        Path trusted = tmp.resolve("trusted.asc");
        Files.writeString(trusted, gpg("--armor", "--export", fingerprint));
        CommitTrust trust = new CommitTrust(true, Optional.of(trusted), Optional.empty(), false);
        List<String> signed = List.of("-c", "gpg.program=gpg", "-c", "user.signingkey=" + fingerprint);

        String good = work.commit("signed intent", signed);
        work.push(false);
        try (IntentSource source = source(trust)) {
            assertThat(source.read().revision().hex()).isEqualTo(good);

            edit("mesh.yaml", "hostEncryption: true", "hostEncryption: false");
            work.commit("unsigned change", List.of());
            work.push(false);
            IntentSource.Sourced kept = source.read();
            assertThat(kept.revision().hex()).isEqualTo(good);
            assertThat(kept.refusal()).get().asString().contains("is not signed");

            String mallory = gpgKey("Mallory <mallory@example.com>");
            work.commit("signed by someone else", List.of("-c", "gpg.program=gpg", "-c", "user.signingkey=" + mallory));
            work.push(false);
            assertThat(source.read().refusal()).get().asString().contains("no good signature by a trusted key");

            String signedAgain = work.commit("signed change", signed);
            work.push(false);
            IntentSource.Sourced applied = source.read();
            assertThat(applied.refusal()).isEmpty();
            assertThat(applied.revision().hex()).isEqualTo(signedAgain);
            assertThat(applied.intent().mesh().hostEncryption()).isFalse();
        }
    }

    /**
     * Issue 28 point 4: a pull request merged in a Git host's web UI arrives as a merge commit that the host signed
     * with its own key (GitHub's web-flow key; here Mallory's stands in) or left unsigned (Azure Repos, GitLab).
     * Refused by default, saying which key signed it and what to do; with --accept-clean-merges applied when it is
     * the clean merge of a branch a trusted key signed into trusted history, and refused when it changes anything
     * of its own or rewrote the branch (a squash).
     */
    @Test
    void aPullRequestMergedInTheHostsUiIsAppliedOnlyAsACleanMergeOfSignedCommits() throws Exception {
        String alice = gpgKey("Alice <alice@example.com>");
        String host = gpgKey("Host web-flow <noreply@example.com>");
        Path trusted = tmp.resolve("trusted.asc");
        Files.writeString(trusted, gpg("--armor", "--export", alice));
        List<String> signed = List.of("-c", "gpg.program=gpg", "-c", "user.signingkey=" + alice);
        List<String> hostSigned = List.of("-c", "gpg.program=gpg", "-c", "user.signingkey=" + host, "-c",
                "commit.gpgsign=true");
        String base = work.commit("signed base", signed);
        work.push(false);
        CommitTrust strict = new CommitTrust(true, Optional.of(trusted), Optional.empty(), false);
        try (IntentSource source = source(strict)) {
            assertThat(source.read().revision().hex()).isEqualTo(base);
        }
        work.git("checkout", "-q", "-b", "pr");
        edit("mesh.yaml", "hostEncryption: true", "hostEncryption: false");
        work.commit("the pull request, signed by its author", signed);
        work.git("checkout", "-q", "main");
        work.git(concat(hostSigned, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "pr"));
        String merged = work.git("rev-parse", "HEAD").strip();
        work.push(false);

        try (IntentSource source = source(strict)) {
            IntentSource.Sourced refused = source.read();
            assertThat(refused.revision().hex()).isEqualTo(base);
            assertThat(refused.refusal()).get().asString().contains("it is signed by key " + host.substring(24))
                    .contains("which is not among the trusted keys").contains("--accept-clean-merges");
        }
        try (IntentSource source = source(strict.acceptingCleanMerges(true))) {
            IntentSource.Sourced applied = source.read();
            assertThat(applied.refusal()).isEmpty();
            assertThat(applied.revision().hex()).isEqualTo(merged);
            assertThat(applied.intent().mesh().hostEncryption()).isFalse();

            // unsigned, as Azure Repos merges, but with a change of its own in the merge: refused
            work.git("checkout", "-q", "pr");
            edit("mesh.yaml", "enabled: true", "enabled: true\n  mode: Strict");
            work.commit("more of the pull request", signed);
            work.git("checkout", "-q", "main");
            work.git("merge", "-q", "--no-ff", "--no-commit", "pr");
            edit("mesh.yaml", "hostEncryption: false", "hostEncryption: true");
            work.commit("Merge pull request #2, with a change nobody signed", List.of());
            work.push(false);
            IntentSource.Sourced dirty = source.read();
            assertThat(dirty.revision().hex()).isEqualTo(merged);
            assertThat(dirty.refusal()).get().asString().contains("is not the clean merge of its parents");

            // a squash merge rewrites the signed commits into one the trusted key never signed
            work.git("reset", "-q", "--hard", merged);
            work.git("merge", "-q", "--squash", "pr");
            work.commit("Squashed pull request #2", List.of());
            work.push(true);
            IntentSource.Sourced squashed = source.read();
            assertThat(squashed.refusal()).get().asString().contains("not a merge of two commits");

            // the same, merged cleanly and unsigned: applied
            work.git("reset", "-q", "--hard", merged);
            work.git("merge", "-q", "--no-ff", "-m", "Merge pull request #2", "pr");
            String clean = work.git("rev-parse", "HEAD").strip();
            work.push(true);
            IntentSource.Sourced second = source.read();
            assertThat(second.refusal()).isEmpty();
            assertThat(second.revision().hex()).isEqualTo(clean);
        }
    }

    private static String[] concat(List<String> options, String... args) {
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void sshSignaturesAreCheckedAgainstAllowedSigners() throws Exception {
        Path key = sshKey("alice");
        Path signers = tmp.resolve("allowed_signers");
        Files.writeString(signers, "alice@example.com " + Files.readString(Path.of(key + ".pub")).strip() + "\n");
        String signed = sshSignedCommit(key);
        try (IntentSource source = source(new CommitTrust(true, Optional.empty(), Optional.of(signers), false))) {
            IntentSource.Sourced read = source.read();
            assertThat(read.refusal()).isEmpty();
            assertThat(read.revision().hex()).isEqualTo(signed);
        }
        // as with git, the allowed signers name the trusted keys: a key that is not there is refused
        Path other = sshKey("bob");
        Files.writeString(signers, "alice@example.com " + Files.readString(Path.of(other + ".pub")).strip() + "\n");
        try (IntentSource source = new IntentSource(url, "main", tmp.resolve("state2"), GitAccess.anonymous(),
                new CommitTrust(true, Optional.empty(), Optional.of(signers), false))) {
            assertThatThrownBy(source::read).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("no good signature by an allowed signer")
                    .hasMessageContaining("no last good intent");
        }
    }

    /**
     * Issue 26 point 14: a signature does not say when a commit was served. A head committed days before it arrives
     * (held back by the Git host) or dated ahead of the clock is said (the agent's log), not refused.
     */
    @Test
    void aHeadCommittedFarFromItsArrivalIsSaid() {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        assertThat(IntentSource.oddlyDated(commitAt(now.minusSeconds(60)), now)).isEmpty();
        assertThat(IntentSource.oddlyDated(commitAt(now.minus(Duration.ofDays(3))), now)).get().asString()
                .contains("more than a day before it arrived").contains("2026-12-03T12:00:00Z");
        assertThat(IntentSource.oddlyDated(commitAt(now.plus(Duration.ofHours(2))), now)).get().asString()
                .contains("ahead of this node's clock");
    }

    private static RevCommit commitAt(Instant when) {
        String raw = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> " + when.getEpochSecond()
                + " +0000\ncommitter A <a@example.com> " + when.getEpochSecond() + " +0000\n\nintent\n";
        return RevCommit.parse(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** A new ed25519 key pair, {@code id_NAME} and {@code id_NAME.pub}. */
    private Path sshKey(String name) {
        Path key = tmp.resolve("id_" + name);
        Shell.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString());
        return key;
    }

    /** A commit signed with the SSH {@code key}, pushed; its id. */
    private String sshSignedCommit(Path key) {
        String signed = work.commit("ssh-signed intent", List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=" + key + ".pub"));
        work.push(false);
        return signed;
    }

    /** Issue 26 point 14: an SSH signing key that leaked is revoked without removing it from every allowed list. */
    @Test
    void anSshKeyOnTheRevocationListIsNeverTrusted() throws Exception {
        Path key = sshKey("alice");
        Path signers = tmp.resolve("allowed_signers");
        Files.writeString(signers, "alice@example.com " + Files.readString(Path.of(key + ".pub")).strip() + "\n");
        sshSignedCommit(key);
        Path revoked = Files.writeString(tmp.resolve("revoked_keys"), Files.readString(Path.of(key + ".pub")));
        CommitTrust trust = new CommitTrust(true, Optional.empty(), Optional.of(signers), false)
                .revokingSshKeys(Optional.of(revoked));

        try (IntentSource source = source(trust)) {
            assertThatThrownBy(source::read).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("no good signature by an allowed signer");
        }
        Files.writeString(revoked, "# nothing revoked\n"); // the same commit is trusted
        try (IntentSource source = new IntentSource(url, "main", tmp.resolve("state2"), GitAccess.anonymous(), trust)) {
            assertThat(source.read().refusal()).isEmpty();
        }
        Files.delete(revoked); // a list that went missing revokes nothing to git: here it refuses
        try (IntentSource source = new IntentSource(url, "main", tmp.resolve("state3"), GitAccess.anonymous(), trust)) {
            assertThatThrownBy(source::read).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("revocation list");
        }
    }

    @Test
    void aRewindIsRefusedUnlessAllowed() throws Exception {
        String first = work.git("rev-parse", "HEAD").strip();
        edit("mesh.yaml", "hostEncryption: true", "hostEncryption: false");
        String second = work.commit("second", List.of());
        work.push(false);
        try (IntentSource source = source(new CommitTrust(false, Optional.empty(), Optional.empty(), false))) {
            assertThat(source.read().revision().hex()).isEqualTo(second);
            work.git("reset", "-q", "--hard", first);
            work.push(true);
            IntentSource.Sourced kept = source.read();
            assertThat(kept.revision().hex()).isEqualTo(second);
            assertThat(kept.refusal()).get().asString().contains("rewound");
        }
        try (IntentSource allowing = source(new CommitTrust(false, Optional.empty(), Optional.empty(), true))) {
            assertThat(allowing.read().revision().hex()).isEqualTo(first);
        }
    }

    @Test
    void aReimagedNodeCannotBeRewoundBelowWhatItsStatusSaysItApplied() throws Exception {
        String first = work.git("rev-parse", "HEAD").strip();
        edit("mesh.yaml", "hostEncryption: true", "hostEncryption: false");
        String second = work.commit("second", List.of());
        work.push(false);
        try (IntentSource source = source(ANTI_REWIND)) {
            assertThat(source.read().revision().hex()).isEqualTo(second);
        }
        work.git("reset", "-q", "--hard", first);
        work.push(true); // someone with push rights rewinds the intent to an older, valid commit
        Shell.run("rm", "-rf", state.toString()); // and the node is reimaged: its state dir is new

        try (IntentSource reimaged = source(ANTI_REWIND)) {
            assertThat(reimaged.forgotWhatWasApplied()).isTrue();
            reimaged.recall(Revision.parse("main@sha1:" + second));

            assertThatThrownBy(reimaged::read).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("does not descend from the last applied " + second.substring(0, 7))
                    .hasMessageContaining("no last good intent to keep");
            assertThat(state.resolve("last-good")).doesNotExist();
        }
        work.git("reset", "-q", "--hard", second);
        edit("mesh.yaml", "hostEncryption: false", "hostEncryption: true");
        String third = work.commit("third, after the second", List.of());
        work.push(true);
        try (IntentSource reimaged = source(ANTI_REWIND)) {
            reimaged.recall(Revision.parse("main@sha1:" + second));
            assertThat(reimaged.read().revision().hex()).isEqualTo(third);
        }
    }

    /**
     * A damaged last good intent and a bad head: the commit the status names is a floor, never applied (issue 26
     * point 9): any node holding the status credential can name an old signed commit there (enabled: false, say),
     * and on main it was applied. Nothing is applied; the kernel keeps what it has.
     */
    @Test
    void aDamagedLastGoodIsSaidAndNothingIsAppliedWhenTheHeadIsBad() throws Exception {
        String applied = work.git("rev-parse", "HEAD").strip();
        try (IntentSource source = source(CommitTrust.none())) {
            source.read();
        }
        edit("mesh.yaml", "hostEncryption: true", "hostEncryption: maybe");
        work.commit("invalid", List.of());
        work.push(false);
        Files.writeString(state.resolve("last-good/revision"), "");

        try (IntentSource source = source(CommitTrust.none())) {
            assertThat(source.forgotWhatWasApplied()).isTrue();
            assertThat(source.lastGoodDamage()).get().asString().endsWith("last-good/revision is damaged (empty)");
            source.recall(Revision.parse("main@sha1:" + applied));
            assertThatThrownBy(source::read).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("is not valid").hasMessageContaining("no last good intent to keep");
        }
        assertThat(Files.readString(state.resolve("last-good/revision"))).isEmpty();
    }

    /**
     * A node that forgot what it applied (a reimage) and cannot read its own status has no floor: on main it took
     * any trusted head, so an outage of the status branch (or a file of it made unreadable) opened a rewind. It
     * applies nothing until the status reads, or --allow-rewind says otherwise; a node with no status file is new.
     */
    @Test
    void aNodeThatForgotAndCannotReadItsStatusAppliesNothing() throws Exception {
        String head = work.git("rev-parse", "HEAD").strip();
        try (IntentSource reimaged = source(ANTI_REWIND)) {
            reimaged.statusRead(Optional.of("status branch not read: connection refused"));
            assertThatThrownBy(reimaged::read).isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("no record of what it applied").hasMessageContaining("connection refused")
                    .hasMessageContaining("--allow-rewind");
            assertThat(state.resolve("last-good")).doesNotExist();

            reimaged.statusRead(Optional.empty()); // read, and no file of this node: a new node
            assertThat(reimaged.read().revision().hex()).isEqualTo(head);
        }
        Shell.run("rm", "-rf", state.toString());
        try (IntentSource allowing = source(new CommitTrust(false, Optional.empty(), Optional.empty(), true))) {
            allowing.statusRead(Optional.of("status branch not read: connection refused"));
            assertThat(allowing.read().revision().hex()).isEqualTo(head);
        }
    }

    @Test
    void theLastGoodIntentOutlivesTheServerAndARestart() throws Exception {
        IntentSource.Sourced good;
        try (IntentSource source = source(CommitTrust.none())) {
            good = source.read();
            server.stop();
            IntentSource.Sourced away = source.read();
            assertThat(away.revision()).isEqualTo(good.revision());
            assertThat(away.refusal()).get().asString().contains("cannot fetch main");
        }
        try (IntentSource restarted = source(CommitTrust.none())) {
            assertThat(restarted.read().revision()).isEqualTo(good.revision());
            edit("mesh.yaml", "hostEncryption: true", "hostEncryption: false");
            server.start();
            String next = work.commit("after the outage", List.of());
            work.push(false);
            IntentSource.Sourced back = restarted.read();
            assertThat(back.refusal()).isEmpty();
            assertThat(back.revision().hex()).isEqualTo(next);
        }
    }

    @Test
    void aPlainDirectoryIsNamedByTheDigestOfItsIntentFiles() throws Exception {
        Path dir = IntentFixtures.copy(IntentFixtures.resource("intent/base"), tmp.resolve("plain"));
        try (IntentSource source = new IntentSource(dir.toString(), "main", state, GitAccess.anonymous(),
                CommitTrust.none())) {
            Revision first = source.read().revision();
            assertThat(first.algorithm()).isEqualTo("sha256");
            Files.writeString(dir.resolve("README.md"), "not intent");
            assertThat(source.read().revision()).isEqualTo(first);
            edit(dir, "hostEncryption: true", "hostEncryption: false");
            assertThat(source.read().revision()).isNotEqualTo(first);
        }
    }

    private static void edit(Path dir, String from, String to) throws IOException {
        Path mesh = dir.resolve("mesh.yaml");
        Files.writeString(mesh, Files.readString(mesh).replace(from, to));
    }

    /** Issue 14: an OpenPGP key is trusted only as its own signatures say: not revoked, not expired, able to sign. */
    @Test
    void aSigningSubkeyIsTrustedOnlyWhileItAndItsPrimaryAreValid() throws Exception {
        String primary = gpgKey("Carol <carol@example.com>", "cert", "never", List.of());
        gpg("--batch", "--passphrase", "", "--quick-add-key", primary, "ed25519", "sign", "never");
        Path trusted = tmp.resolve("carol.asc");
        Files.writeString(trusted, gpg("--armor", "--export", primary));
        CommitTrust trust = new CommitTrust(true, Optional.of(trusted), Optional.empty(), true);
        String signed = work.commit("signed by carol's subkey", signing(primary, List.of()));
        work.push(false);
        try (IntentSource source = source(trust)) {
            assertThat(source.read().revision().hex()).isEqualTo(signed);
        }

        // the primary is revoked (its revocation certificate, which gpg made with the key, imported)
        String certificate = Files.readString(gnupg.resolve("openpgp-revocs.d/" + primary + ".rev"))
                .replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Path revocation = Files.writeString(tmp.resolve("carol.rev"), certificate);
        gpg("--batch", "--import", revocation.toString());
        Files.writeString(trusted, gpg("--armor", "--export", primary));
        try (IntentSource source = source(trust)) {
            assertThat(source.read().refusal()).get().asString().contains("commit " + signed.substring(0, 7)
                    + " has a good signature by key ").contains("whose primary key is revoked");
        }
    }

    @Test
    void aRevokedSubkeyAKeyThatMayNotSignAndAnExpiredKeyAreNotTrusted() throws Exception {
        String dave = gpgKey("Dave <dave@example.com>", "cert", "never", List.of());
        gpg("--batch", "--passphrase", "", "--quick-add-key", dave, "ed25519", "sign", "never");
        String byDave = work.commit("signed by dave's subkey", signing(dave, List.of()));
        printf(dave, "key 1", "revkey", "y", "0", "", "y", "save");
        assertThat(refusal(dave, byDave)).contains("which is revoked");

        String erin = gpgKey("Erin <erin@example.com>", "sign", "never", List.of());
        String byErin = work.commit("signed by erin", signing(erin, List.of()));
        printf(erin, "change-usage", "S", "A", "Q", "save"); // her key may now only authenticate
        assertThat(refusal(erin, byErin)).contains("which may not sign (its key flags)");

        List<String> past = List.of("--faked-system-time", "20261120T000000");
        String frank = gpgKey("Frank <frank@example.com>", "sign", "2d", past); // valid 20 to 22 November
        String byFrank = work.commit("signed by frank while his key was valid", signing(frank,
                List.of("--faked-system-time", "20261121T000000")));
        assertThat(refusal(frank, byFrank)).contains("which expired on 2026-11-22");
    }

    /** Why the head {@code commit}, pushed, is refused under the exported keys of {@code signer}. */
    private String refusal(String signer, String commit) throws Exception {
        work.push(true);
        Path trusted = Files.writeString(tmp.resolve(signer + ".asc"), gpg("--armor", "--export", signer));
        try (IntentSource source = source(new CommitTrust(true, Optional.of(trusted), Optional.empty(), true))) {
            try {
                source.read();
            } catch (SourceUnavailableException refused) {
                assertThat(refused.getMessage()).startsWith("commit " + commit.substring(0, 7) + " has a good signature");
                return refused.getMessage();
            }
        }
        throw new AssertionError("commit " + commit + " was trusted");
    }

    /** Answers gpg's key edit prompts. */
    private void printf(String key, String... answers) {
        List<String> command = new ArrayList<>(List.of("gpg", "--homedir", gnupg.toString(), "-q", "--batch",
                "--expert", "--pinentry-mode", "loopback", "--passphrase", "", "--command-fd", "0", "--edit-key", key));
        Shell.run(command, String.join("\n", answers) + "\n");
    }

    /** git -c options that sign with {@code key}, gpg run with {@code gpgOptions} (a faked time, say). */
    private List<String> signing(String key, List<String> gpgOptions) throws IOException {
        Path program = tmp.resolve("gpg-" + gpgOptions.size() + gpgOptions.hashCode());
        Files.writeString(program, "#!/bin/sh\nexec gpg " + String.join(" ", gpgOptions) + " \"$@\"\n");
        program.toFile().setExecutable(true);
        return List.of("-c", "gpg.program=" + program, "-c", "user.signingkey=" + key);
    }

    private String gpgKey(String user, String usage, String expiry, List<String> options) {
        List<String> args = new ArrayList<>(options);
        args.addAll(List.of("--batch", "--passphrase", "", "--quick-gen-key", user, "ed25519", usage, expiry));
        gpg(args.toArray(String[]::new));
        String listing = gpg("--with-colons", "--list-keys", user);
        return listing.lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
    }

    private String gpgKey(String user) {
        gpg("--batch", "--passphrase", "", "--quick-gen-key", user, "ed25519", "sign", "never");
        String listing = gpg("--with-colons", "--list-keys", user);
        return listing.lines().filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
    }

    private String gpg(String... args) {
        List<String> command = new ArrayList<>(List.of("gpg", "--homedir", gnupg.toString(), "-q"));
        command.addAll(List.of(args));
        return Shell.run(command, null);
    }
}
