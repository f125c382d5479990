package dev.gitwire.status;

import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.git.GitUnavailableException;
import dev.gitwire.text.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;

/**
 * The status branch: each node commits only its own file, {@code nodes/<name>.yaml}, and the README
 * made from all of them, and only when its file's content changed. A push rejected because another node
 * pushed first is rebuilt on the new tip and retried after a jittered, doubling wait ({@link PublishPacing});
 * since every node owns one file, a rebuild never conflicts and no node's update is lost. One thread at a
 * time: it remembers what it saw on the branch.
 */
public final class StatusBranch implements StatusDestination {

    private static final int MAX_ATTEMPTS = 50;
    /** The largest status file read, as its codec reads: one past JGit's stream threshold froze every reader. */
    static final long MAX_STATUS_BYTES = 1 << 22;
    /** The most status files read from one tip: far more nodes than a cluster has, far fewer than a flood. */
    static final int MAX_STATUS_FILES = 100_000;
    private static final int MAX_FAILED_IN_A_ROW = 3;
    /** Attempts of one fold: its writer is alone on the branch but for a take-over, so a lost race is rare. */
    private static final int MAX_FOLD_ATTEMPTS = 5;
    /** How long this node trusts its own memory of its file on the branch (someone may have reset the branch). */
    private static final Duration RECHECK_UNCHANGED = Duration.ofMinutes(10);

    private final GitRemote remote;
    private final GitAccess access;
    private final String branch;
    private final Map<FileVersion, Parsed> parsedFiles = new HashMap<>();
    /** The files of the tip read last. */
    private Optional<GitRemote.Commit> lastTree = Optional.empty();
    /** This node's file as last seen on the branch: an unchanged status then costs the server no fetch. */
    private Optional<Seen> seen = Optional.empty();
    private Duration heartbeat = Duration.ZERO;
    /** When this process last committed this node's status; its start, before the first commit. */
    private long lastCommitNanos = System.nanoTime();
    private volatile List<String> ignored = List.of();

    private record Seen(String path, ObjectId content, long atNanos) {
        boolean holds(String path, ObjectId content) {
            return this.path.equals(path) && this.content.equals(content)
                    && System.nanoTime() - atNanos < RECHECK_UNCHANGED.toNanos();
        }
    }

    /**
     * A status branch whose unchanged status is still committed, empty, once per {@code heartbeat} (none
     * when zero): a node that died while nothing changed is then seen by the age of its last commit.
     */
    public StatusBranch(GitRemote remote, GitAccess access, String branch, Duration heartbeat) {
        this(remote, access, branch);
        this.heartbeat = heartbeat;
    }

    public StatusBranch(GitRemote remote, GitAccess access, String branch) {
        this.remote = remote;
        this.access = access;
        this.branch = branch;
    }

    /**
     * Every node's status on the branch tip (after a fetch), by node name. A file counts only at
     * {@code nodes/<name>.yaml} for the node it names: a node that can push may otherwise claim another's
     * key by writing a file of its own. The others are {@link #ignored()}.
     */
    public Map<String, NodeStatus> readAll() throws StatusUnavailableException, IOException {
        Optional<ObjectId> tip = fetchTip(remote);
        if (tip.isEmpty()) {
            ignored = List.of();
            return Map.of();
        }
        return statuses(tree(tip.get()));
    }

    /**
     * When each of {@code nodes} last changed its status on {@code branch} (each commit is its node's: author
     * and committer), looking back at most {@code maxCommits}. Fetches the branch's history into
     * {@code history}, a cache of its own: the agents' caches hold only the tip.
     */
    public static Map<String, Instant> lastChanges(GitRemote history, String branch, Set<String> nodes,
            int maxCommits) throws StatusUnavailableException, IOException {
        Map<String, Instant> changed = new TreeMap<>();
        Optional<ObjectId> tip;
        try {
            tip = history.fetch(branch);
        } catch (GitUnavailableException e) {
            throw new StatusUnavailableException(e.getMessage(), e);
        }
        if (tip.isEmpty()) {
            return changed;
        }
        history.log(tip.get(), maxCommits, commit -> {
            for (String node : changedNodes(commit)) {
                if (nodes.contains(node)) {
                    changed.putIfAbsent(node, commit.committed());
                }
            }
            return changed.size() < nodes.size();
        });
        return changed;
    }

    /** The nodes a commit reports on: its {@code Node:} trailers (a fold), else its author (a node's own push). */
    static List<String> changedNodes(GitRemote.LoggedCommit commit) {
        List<String> trailers = commit.trailers("Node");
        return trailers.isEmpty() ? List.of(commit.author()) : trailers;
    }

    /** Whether the tip read last holds a file at {@code node}'s path, read as a status or not. */
    public boolean hasFile(String node) {
        return lastTree.map(t -> t.files().containsKey(file(node))).orElse(false);
    }

    /** The files the last read ignored, each with why. */
    public List<String> ignored() {
        return ignored;
    }

    /**
     * Commits and pushes this node's status file, unless the branch already has it. {@code clusterSize} paces
     * the pushes (see {@link PublishPacing}): the number of nodes that may report at the same moment.
     */
    @Override
    public Published publish(NodeStatus status, int clusterSize) throws StatusUnavailableException, IOException {
        String path = file(status.name());
        StatusFile own = StatusFile.of(status);
        boolean beat = !heartbeat.isZero() && System.nanoTime() - lastCommitNanos >= heartbeat.toNanos();
        if (!beat && seen.isPresent() && seen.get().holds(path, own.blob())) {
            return new Published(false, "", 0);
        }
        PublishPacing pacing = new PublishPacing(clusterSize, ThreadLocalRandom.current());
        sleep(pacing.beforeFirstAttempt());
        StatusUnavailableException last = null;
        int failedInARow = 0;
        boolean refused = false; // the last push was refused: the next fetch tells whether it was a lost race
        Optional<ObjectId> refusedOn = Optional.empty(); // the tip that refused push was built on
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            if (Thread.currentThread().isInterrupted()) { // the agent is stopping: no push from a closing cache
                throw new StatusUnavailableException("status of " + status.name() + " not pushed: stopped", null);
            }
            long started = System.nanoTime();
            Optional<ObjectId> tip;
            try {
                tip = fetchTip(remote);
            } catch (StatusUnavailableException e) { // a busy or briefly absent server: back off and try again
                last = e;
                if (++failedInARow >= MAX_FAILED_IN_A_ROW) {
                    throw giveUp(status, e); // a server that is down: the next reconcile publishes again
                }
                sleep(pacing.afterAttempt(Duration.ofNanos(System.nanoTime() - started)));
                continue;
            }
            if (refused) {
                // a branch that moved since the refusal says another push held it (the ref's lock): a lost
                // race, whatever the server's wording; one that did not says that the server refuses this push
                if (!refusedOn.equals(tip)) {
                    failedInARow = 0;
                } else if (failedInARow >= MAX_FAILED_IN_A_ROW) {
                    throw giveUp(status, last);
                }
                refused = false;
            }
            Map<String, ObjectId> tree = tip.isPresent() ? tree(tip.get()) : new TreeMap<>();
            ObjectId previous = tree.get(path);
            boolean unchanged = own.blob().equals(previous);
            if (unchanged && !beat) {
                seen = Optional.of(new Seen(path, own.blob(), System.nanoTime()));
                return new Published(false, "", attempt);
            }
            String message = unchanged ? status.name() + ": still " + status.phase() + " on "
                    + status.observedRevision().map(StatusBranch::abbreviate).orElse("nothing") + " (heartbeat)"
                    : message(status, onBranch(path, previous));
            Map<String, byte[]> written = new TreeMap<>();
            if (!unchanged) { // a heartbeat is an empty commit: the same tree, a newer time
                written.put(path, own.text().getBytes(StandardCharsets.UTF_8));
                tree.remove(path);
                rewriteReadme(tree, written, everyNode(tree, List.of(own)));
            }
            try {
                if (pushed(remote.commit(tree, written, tip, status.name(), message))) {
                    lastCommitNanos = System.nanoTime();
                    seen = Optional.of(new Seen(path, own.blob(), System.nanoTime()));
                    return new Published(true, message, attempt);
                }
                failedInARow = 0; // another node landed first: rebuild on the new tip
            } catch (StatusUnavailableException e) {
                last = e;
                failedInARow++;
                refused = true;
                refusedOn = tip;
            }
            sleep(pacing.afterAttempt(Duration.ofNanos(System.nanoTime() - started)));
        }
        throw new StatusUnavailableException("status of " + status.name() + " not pushed after " + MAX_ATTEMPTS
                + " attempts" + (last == null ? "" : ": " + last.getMessage()), last);
    }

    /**
     * The one writer's commit (with Kubernetes, docs/git-source-and-status.md): every file of {@code files}
     * that differs from the branch, and the README, in one commit by {@code writer}, its message a line and a
     * {@code Node:} trailer per node that changed; no commit when none did. What it commits is the difference
     * between the statuses and the branch, so a writer that takes over from another commits nothing twice.
     */
    public Published fold(Collection<StatusFile> files, String writer)
            throws StatusUnavailableException, IOException {
        List<StatusFile> sorted = files.stream().sorted(Comparator.comparing(f -> f.status().name())).toList();
        StatusUnavailableException last = null;
        for (int attempt = 1; attempt <= MAX_FOLD_ATTEMPTS; attempt++) {
            Optional<ObjectId> tip = fetchTip(remote);
            Map<String, ObjectId> tree = tip.isPresent() ? tree(tip.get()) : new TreeMap<>();
            Map<String, byte[]> written = new TreeMap<>();
            List<String> lines = new ArrayList<>();
            List<String> trailers = new ArrayList<>();
            for (StatusFile file : sorted) {
                String path = file(file.status().name());
                ObjectId previous = tree.get(path);
                if (file.blob().equals(previous)) {
                    continue;
                }
                written.put(path, file.text().getBytes(StandardCharsets.UTF_8));
                tree.remove(path);
                lines.add(message(file.status(), onBranch(path, previous)));
                trailers.add("Node: " + file.status().name());
            }
            if (written.isEmpty()) {
                return new Published(false, "", attempt);
            }
            rewriteReadme(tree, written, everyNode(tree, sorted));
            String headline = lines.size() == 1 ? lines.get(0) : lines.size() + " nodes changed";
            String message = headline + "\n\n" + String.join("\n", lines) + "\n\n" + String.join("\n", trailers);
            try {
                if (pushed(remote.commit(tree, written, tip, writer, message))) {
                    return new Published(true, headline, attempt);
                }
            } catch (StatusUnavailableException e) {
                last = e; // a ref lock held by another push, or a refusal: the next fetch tells, the next fold retries
            }
            sleep(Duration.ofMillis(ThreadLocalRandom.current().nextLong(50, 500)));
        }
        throw new StatusUnavailableException("statuses not folded into " + branch + " after " + MAX_FOLD_ATTEMPTS
                + " attempts" + (last == null ? "" : ": " + last.getMessage()), last);
    }

    /** Where a node's status lives on the branch. */
    private static String file(String node) {
        return "nodes/" + node + ".yaml";
    }

    /** The README made from {@code all}, written in place of the tree's. */
    private static void rewriteReadme(Map<String, ObjectId> tree, Map<String, byte[]> written, Map<String, NodeStatus> all) {
        written.put("README.md", StatusReadme.render(new ArrayList<>(all.values())).getBytes(StandardCharsets.UTF_8));
        tree.remove("README.md");
    }

    private static StatusUnavailableException giveUp(NodeStatus status, StatusUnavailableException last) {
        return new StatusUnavailableException("status of " + status.name() + " not pushed: " + MAX_FAILED_IN_A_ROW
                + " attempts in a row failed, the last: " + last.getMessage(), last);
    }

    /** "node-b: applied main@sha1:3f2c1ab, 2 peers, +1 -0 allowed IPs, Ready". */
    static String message(NodeStatus now, Optional<NodeStatus> before) {
        int allowedNow = now.dataplane().map(NodeStatus.Dataplane::allowedIps).orElse(0);
        int allowedBefore = before.flatMap(NodeStatus::dataplane).map(NodeStatus.Dataplane::allowedIps).orElse(0);
        long peers = now.encrypted();
        return now.name() + ": " + (now.phase() == NodeStatus.Phase.Error ? "failed to apply " : "applied ")
                + now.observedRevision().map(StatusBranch::abbreviate).orElse("nothing") + ", " + peers + " peers, +"
                + Math.max(0, allowedNow - allowedBefore) + " -" + Math.max(0, allowedBefore - allowedNow)
                + " allowed IPs, " + now.phase()
                + now.condition("IntentAccepted").filter(c -> c.status().equals("False"))
                        .map(c -> "; newest intent refused").orElse("");
    }

    private static String abbreviate(String revision) {
        int colon = revision.lastIndexOf(':');
        return colon < 0 ? revision : revision.substring(0, Math.min(revision.length(), colon + 8));
    }

    /**
     * The files of a commit, by path, as blob ids, for the caller to change: unchanged files are never read again,
     * and a tip seen last time is not walked again (the writer's fold finds the same tip most of the time).
     */
    private Map<String, ObjectId> tree(ObjectId tip) throws IOException {
        if (lastTree.isEmpty() || !lastTree.get().id().equals(tip)) {
            lastTree = Optional.of(new GitRemote.Commit(tip.copy(), remote.files(tip)));
        }
        return new TreeMap<>(lastTree.get().files());
    }

    private Map<String, NodeStatus> statuses(Map<String, ObjectId> tree) throws IOException {
        Map<String, NodeStatus> statuses = new TreeMap<>();
        List<String> skipped = new ArrayList<>();
        int files = 0;
        for (Map.Entry<String, ObjectId> file : tree.entrySet()) {
            String path = file.getKey();
            if (!path.startsWith("nodes/") || !path.endsWith(".yaml")) {
                continue;
            }
            if (++files > MAX_STATUS_FILES) {
                skipped.add(Printable.line(branch + ": more than " + MAX_STATUS_FILES + " status files; from " + path
                        + " on, ignored"));
                break;
            }
            Parsed parsed = parsed(new FileVersion(path, file.getValue()));
            Optional<NodeStatus> status = parsed.status();
            if (status.isEmpty()) {
                skipped.add(parsed.refusal() + "; ignored");
            } else if (!path.equals(file(status.get().name()))) {
                skipped.add(Printable.line(branch + ":" + path + ": names node " + status.get().name() // a path is anyone's
                        + ", whose status lives at nodes/" + status.get().name() + ".yaml; ignored"));
            } else {
                statuses.put(status.get().name(), status.get());
            }
        }
        ignored = List.copyOf(skipped);
        if (parsedFiles.size() > 2 * tree.size() + 64) { // bounded by the branch: files of older tips go
            parsedFiles.keySet().removeIf(f -> !f.blob().equals(tree.get(f.path())));
        }
        return statuses;
    }

    /** A status file parsed once per version: a busy branch is re-read at every attempt, mostly unchanged. */
    private Parsed parsed(FileVersion file) throws IOException {
        Parsed known = parsedFiles.get(file);
        if (known == null) {
            ObjectLoader blob = remote.repository().open(file.blob());
            if (blob.getSize() > MAX_STATUS_BYTES) { // the size is in the object's header: nothing is inflated
                known = new Parsed(Optional.empty(), Printable.line(branch + ":" + file.path() + ": " + blob.getSize()
                        + " bytes, more than the " + MAX_STATUS_BYTES + " a status may have"));
            } else {
                try {
                    known = new Parsed(Optional.of(StatusCodec.read(branch + ":" + file.path(),
                            new String(blob.getCachedBytes(), StandardCharsets.UTF_8))), "");
                } catch (StatusRejectedException e) {
                    known = new Parsed(Optional.empty(), e.getMessage());
                }
            }
            parsedFiles.put(new FileVersion(file.path(), file.blob().copy()), known);
        }
        return known;
    }

    /** The status a file of the branch holds, if it is there ({@code blob} not null) and reads as one. */
    private Optional<NodeStatus> onBranch(String path, ObjectId blob) throws IOException {
        return blob == null ? Optional.empty() : parsed(new FileVersion(path, blob)).status();
    }

    /** A file of the branch at one content. */
    private record FileVersion(String path, ObjectId blob) {}

    /** What a file version read as: a node's status, or why it is none. */
    private record Parsed(Optional<NodeStatus> status, String refusal) {}

    /**
     * The README's table: every node with a status on the branch, those with a file in {@code files} as the file
     * says (an unchanged file is the branch's own); only the others are read from the branch: for a fold, nodes
     * the API no longer has (at 20,000 nodes it then parses what changed, not the whole branch); for a node's own
     * push, every other node.
     */
    private Map<String, NodeStatus> everyNode(Map<String, ObjectId> tree, List<StatusFile> files) throws IOException {
        Map<String, ObjectId> branchOnly = new TreeMap<>(tree);
        files.forEach(f -> branchOnly.remove(file(f.status().name())));
        Map<String, NodeStatus> all = statuses(branchOnly);
        files.forEach(f -> all.put(f.status().name(), f.status()));
        return all;
    }

    /** The branch's tip, fetched alone; a remote that cannot be fetched from is a status not read. */
    private Optional<ObjectId> fetchTip(GitRemote from) throws StatusUnavailableException {
        try {
            return from.fetchTip(branch);
        } catch (GitUnavailableException e) {
            throw new StatusUnavailableException(e.getMessage(), e);
        }
    }

    /**
     * Pushes a commit made here, with the status credential; once it landed, it is the tip the cache knows, and its
     * tree is not walked again: the next fetch of an unchanged branch then costs the server nothing. False when
     * another node pushed first: rebuild on the new tip.
     */
    private boolean pushed(GitRemote.Commit made) throws StatusUnavailableException {
        try {
            if (!remote.push(made.id(), branch, access)) {
                return false;
            }
        } catch (GitUnavailableException e) {
            throw new StatusUnavailableException("status not pushed: " + e.getMessage(), e);
        }
        try {
            remote.pushed(branch, made.id());
            lastTree = Optional.of(made);
        } catch (IOException e) {
            // it landed all the same: the next fetch receives it again, slower, not wrong
        }
        return true;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
