package dev.gitwire.source;

import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.git.GitUnavailableException;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentFiles;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.IntentTree;
import dev.gitwire.intent.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Where the intent comes from: a Git branch (fetched, then trusted, then validated) or a local directory
 * (validated). The newest revision that passes is applied and remembered; one that does not pass is
 * never applied: the last good intent keeps running and the reason is reported.
 */
public final class IntentSource implements AutoCloseable {

    /**
     * The intent to apply, its revision, and, when the newest revision could not be used, why not
     * ({@code refusal}) and its problems; then the intent is the last good one.
     */
    public record Sourced(Intent intent, Revision revision, Optional<String> refusal, List<Problem> problems) {
        public Sourced {
            problems = List.copyOf(problems);
        }
    }

    private final String repo;
    private final String branch;
    private final Optional<GitRemote> remote;
    private final CommitTrust trust;
    private final LastGood lastGood;
    private final IntentReader reader = new IntentReader();
    /** The newest revision read and found good: a cycle that finds it again does not validate it again. */
    private Optional<Sourced> current = Optional.empty();
    private final boolean remember;
    /** What the status branch says this node applied: the floor of anti-rewind when the state dir has none. */
    private volatile Optional<Revision> recalled = Optional.empty();
    /** A head committed far from when it arrived (held back, or dated by a signer's clock): said, not refused. */
    private volatile Optional<String> oddlyDated = Optional.empty();
    /** How far a head's committer date may lie from its arrival before it is said: a day back, five minutes ahead. */
    static final Duration HELD_BACK = Duration.ofDays(1);
    static final Duration AHEAD = Duration.ofMinutes(5);
    /** Why this node's status, the floor of a node without a last good intent, could not be read; empty once it was. */
    private volatile Optional<String> floorUnread = Optional.empty();

    public IntentSource(String repo, String branch, Path stateDirectory, GitAccess access, CommitTrust trust)
            throws IOException {
        this(repo, branch, stateDirectory, access, trust, true);
    }

    /**
     * {@code remember} false: a source for a look only (`gitwire plan`), which never records what it read as
     * the last good intent, since the anti-rewind check takes that for what this node applied.
     */
    public IntentSource(String repo, String branch, Path stateDirectory, GitAccess access, CommitTrust trust,
            boolean remember) throws IOException {
        this.remember = remember;
        this.repo = repo;
        this.branch = branch;
        this.remote = GitRemote.isUrl(repo) ? Optional.of(new GitRemote(repo, stateDirectory, access))
                : Optional.empty();
        this.trust = trust;
        this.lastGood = new LastGood(stateDirectory);
    }

    public Optional<GitRemote> remote() {
        return remote;
    }

    /**
     * Whether the state dir lacks a readable last good intent (a new or reimaged node, a damaged file), so
     * that what the status branch says this node applied should be {@link #recall}ed.
     */
    public boolean forgotWhatWasApplied() throws IOException {
        return recalled.isEmpty() && lastGood.load().isEmpty();
    }

    /** Why the last good intent in the state dir does not read, when it does not. */
    public Optional<String> lastGoodDamage() {
        return lastGood.damage();
    }

    /**
     * What this node's status on the status branch says it applied. Without a readable last good intent, it
     * is the revision a new head must descend from (a reimage cannot rewind the node); it is never applied itself
     * (any node holding the status credential can write it). A head that does not descend from it is refused,
     * also when the commit is gone from the branch.
     */
    public void recall(Revision applied) {
        if (applied.name().equals(branch) && applied.algorithm().equals("sha1")) {
            recalled = Optional.of(applied);
        }
    }

    /**
     * Says whether this node's own status could be read ({@code why} empty) or not, and why: a node that forgot
     * what it applied and cannot read its status has no floor, and takes no head until it has one (or rewinds are
     * allowed). A status read that finds no file of this node is a new node: any trusted head is its first.
     */
    public void statusRead(Optional<String> why) {
        floorUnread = why;
    }

    /** The last commit this node applied: from its state dir, else recalled from its status. */
    private Optional<ObjectId> lastApplied(GitRemote git) throws IOException {
        Optional<ObjectId> saved = lastGood.load().filter(s -> s.revision().algorithm().equals("sha1"))
                .map(s -> ObjectId.fromString(s.revision().hex()));
        if (saved.isPresent()) {
            return saved;
        }
        return recalled.map(r -> ObjectId.fromString(r.hex()));
    }

    /**
     * A warning on the head that just arrived, when its committer date is far from now: a signature covers the
     * commit, not when it was served (a signed commit held back and served later verifies all the same).
     */
    static Optional<String> oddlyDated(RevCommit commit, Instant arrival) {
        Instant committed = commit.getCommitterIdent().getWhenAsInstant();
        String head = "head " + commit.abbreviate(12).name() + " was committed at " + committed;
        if (committed.isAfter(arrival.plus(AHEAD))) {
            return Optional.of(head + ", ahead of this node's clock (" + arrival + "): a committer's clock, or a date chosen");
        }
        if (committed.isBefore(arrival.minus(HELD_BACK))) {
            return Optional.of(head + ", more than a day before it arrived (" + arrival + "): pushed late, or held back"
                    + " by the Git host; applied, as it descends from what this node applied");
        }
        return Optional.empty();
    }

    /** The warning on the head read last, when its committer date was far from its arrival. */
    public Optional<String> oddlyDated() {
        return oddlyDated;
    }

    private static boolean hasCommit(GitRemote git, ObjectId id) {
        try {
            return git.repository().getObjectDatabase().has(id);
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads the newest usable intent; throws when neither the newest nor a last good one can be had. */
    public Sourced read() throws IOException, SourceUnavailableException {
        try {
            return remote.isPresent() ? fromGit(remote.get()) : fromDirectory();
        } catch (SourceUnavailableException | GitUnavailableException | RevisionRefusedException e) {
            return fallBack(e.getMessage(), List.of(), e);
        }
    }

    private Sourced fromDirectory() throws IOException, SourceUnavailableException {
        Path directory = Path.of(repo);
        if (!Files.isDirectory(directory)) {
            throw new SourceUnavailableException(repo + " is not a directory", null);
        }
        DirectoryTree tree = new DirectoryTree(directory);
        return validated(tree, new Revision(directory.getFileName() == null ? "dir" : directory.getFileName().toString(),
                "sha256", IntentFiles.digest(tree)));
    }

    private Sourced fromGit(GitRemote git)
            throws IOException, SourceUnavailableException, GitUnavailableException, RevisionRefusedException {
        ObjectId head = git.fetch(branch).orElseThrow(() -> new SourceUnavailableException(
                "branch " + branch + " does not exist in " + repo, null));
        Optional<ObjectId> applied = lastApplied(git);
        if (applied.isEmpty() && floorUnread.isPresent() && !trust.allowsRewind()) {
            throw new SourceUnavailableException("this node has no record of what it applied and its status could not be"
                    + " read (" + floorUnread.get() + "): without that floor a head could rewind it; nothing is applied"
                    + " until the status reads, or run once with --allow-rewind", null);
        }
        try (RevWalk walk = new RevWalk(git.repository())) {
            RevCommit commit = walk.parseCommit(head);
            trust.check(git.repository(), commit, applied);
            if (current.isEmpty() || !current.get().revision().hex().equals(head.name())) { // said once, when it arrives
                oddlyDated = oddlyDated(commit, Instant.now());
            }
            return validated(new GitCommitTree(git.repository(), commit), new Revision(branch, "sha1", head.name()));
        }
    }

    private Sourced validated(IntentTree tree, Revision revision) throws IOException, SourceUnavailableException {
        if (current.isPresent() && current.get().revision().equals(revision)) {
            return current.get(); // every poll and every drift repair reads the intent; it seldom changed
        }
        IntentReader.Result result = reader.read(tree);
        if (!result.valid()) {
            String summary = result.errors().stream().map(Problem::format).collect(Collectors.joining("; "));
            return fallBack("revision " + revision.abbreviated() + " is not valid: " + summary, result.problems(), null);
        }
        Optional<LastGood.Saved> saved = lastGood.load();
        if (remember && (saved.isEmpty() || !saved.get().revision().equals(revision))) {
            lastGood.save(revision, tree);
        }
        current = Optional.of(new Sourced(result.intent().orElseThrow(), revision, Optional.empty(), result.problems()));
        return current.get();
    }

    private Sourced fallBack(String reason, List<Problem> problems, Exception cause)
            throws IOException, SourceUnavailableException {
        // what the status branch says this node applied is a floor only, never applied: any node can write that file
        Optional<LastGood.Saved> saved = lastGood.load();
        if (saved.isEmpty()) {
            throw new SourceUnavailableException(reason + "; and there is no last good intent to keep", cause);
        }
        IntentReader.Result result = reader.read(saved.get().tree());
        if (!result.valid()) {
            throw new SourceUnavailableException(reason + "; and the last good intent no longer reads", cause);
        }
        return new Sourced(result.intent().orElseThrow(), saved.get().revision(), Optional.of(reason), problems);
    }

    @Override
    public void close() {
        remote.ifPresent(GitRemote::close);
    }
}
