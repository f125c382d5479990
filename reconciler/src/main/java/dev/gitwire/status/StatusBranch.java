package dev.gitwire.status;

import dev.gitwire.source.GitAccess;
import dev.gitwire.source.GitRemote;
import dev.gitwire.source.SourceUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The status branch: each node commits only its own file, {@code nodes/<name>.yaml}, and the README
 * made from all of them, and only when its file's content changed. A push rejected because another node
 * pushed first is rebuilt on the new tip and retried with jittered exponential backoff; since every
 * node owns one file, a rebuild never conflicts and no node's update is lost.
 */
public final class StatusBranch {

    /** What a publish did: committed (with its message), or found nothing to commit; and its pushes. */
    public record Published(boolean committed, String message, int attempts) {}

    private static final int MAX_ATTEMPTS = 50;
    private static final long FIRST_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    private final GitRemote remote;
    private final GitAccess access;
    private final String branch;

    public StatusBranch(GitRemote remote, GitAccess access, String branch) {
        this.remote = remote;
        this.access = access;
        this.branch = branch;
    }

    /** Every node's status on the branch tip (after a fetch), by node name. */
    public Map<String, NodeStatus> readAll() throws SourceUnavailableException, IOException {
        Optional<ObjectId> tip = remote.fetch(branch);
        return tip.isEmpty() ? Map.of() : statuses(files(tip.get()));
    }

    public Published publish(NodeStatus status) throws SourceUnavailableException, IOException {
        String path = "nodes/" + status.name() + ".yaml";
        byte[] content = StatusCodec.write(status).getBytes(StandardCharsets.UTF_8);
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Optional<ObjectId> tip = remote.fetch(branch);
            Map<String, byte[]> files = tip.isPresent() ? files(tip.get()) : new TreeMap<>();
            byte[] previous = files.get(path);
            if (previous != null && java.util.Arrays.equals(previous, content)) {
                return new Published(false, "", attempt);
            }
            String message = message(status, previous == null ? Optional.empty()
                    : StatusCodec.read(new String(previous, StandardCharsets.UTF_8)));
            files.put(path, content);
            files.put("README.md", StatusReadme.render(new ArrayList<>(statuses(files).values()))
                    .getBytes(StandardCharsets.UTF_8));
            ObjectId commit = commit(files, tip, status.name(), message);
            if (push(commit)) {
                return new Published(true, message, attempt);
            }
            sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1)); // jitter spreads the retries
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
        throw new SourceUnavailableException("status of " + status.name() + " not pushed after " + MAX_ATTEMPTS
                + " attempts", null);
    }

    /** "node-b: applied main@sha1:3f2c1ab, 2 peers, +1 -0 allowed IPs, Ready". */
    static String message(NodeStatus now, Optional<NodeStatus> before) {
        int allowedNow = now.dataplane().map(NodeStatus.Dataplane::allowedIps).orElse(0);
        int allowedBefore = before.flatMap(NodeStatus::dataplane).map(NodeStatus.Dataplane::allowedIps).orElse(0);
        long peers = now.peers().stream().filter(p -> p.state().equals("Peered")).count();
        return now.name() + ": " + (now.phase() == NodeStatus.Phase.Error ? "failed to apply " : "applied ")
                + now.observedRevision().map(StatusBranch::abbreviate).orElse("nothing") + ", " + peers + " peers, +"
                + Math.max(0, allowedNow - allowedBefore) + " -" + Math.max(0, allowedBefore - allowedNow)
                + " allowed IPs, " + now.phase();
    }

    private static String abbreviate(String revision) {
        int colon = revision.lastIndexOf(':');
        return colon < 0 ? revision : revision.substring(0, Math.min(revision.length(), colon + 8));
    }

    private Map<String, byte[]> files(ObjectId tip) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        Repository repository = remote.repository();
        try (RevWalk walk = new RevWalk(repository); TreeWalk tree = new TreeWalk(repository)) {
            tree.addTree(walk.parseCommit(tip).getTree());
            tree.setRecursive(true);
            while (tree.next()) {
                files.put(tree.getPathString(), repository.open(tree.getObjectId(0)).getBytes());
            }
        }
        return files;
    }

    private static Map<String, NodeStatus> statuses(Map<String, byte[]> files) {
        Map<String, NodeStatus> statuses = new TreeMap<>();
        files.forEach((path, bytes) -> {
            if (path.startsWith("nodes/") && path.endsWith(".yaml")) {
                StatusCodec.read(new String(bytes, StandardCharsets.UTF_8)).ifPresent(s -> statuses.put(s.name(), s));
            }
        });
        return statuses;
    }

    private ObjectId commit(Map<String, byte[]> files, Optional<ObjectId> parent, String node, String message)
            throws IOException {
        Repository repository = remote.repository();
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                DirCacheEntry entry = new DirCacheEntry(file.getKey());
                entry.setFileMode(FileMode.REGULAR_FILE);
                entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, file.getValue()));
                builder.add(entry);
            }
            builder.finish();
            CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(index.writeTree(inserter));
            parent.ifPresent(commit::setParentId);
            PersonIdent who = new PersonIdent(node, node + "@nodes.gitwire.dev");
            commit.setAuthor(who);
            commit.setCommitter(who);
            commit.setMessage(message + "\n");
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            return id;
        }
    }

    /** Pushes without force: a tip that moved since the fetch makes it a non-fast-forward, refused. */
    private boolean push(ObjectId commit) throws SourceUnavailableException {
        try (Git git = new Git(remote.repository())) {
            Iterable<PushResult> results = accessConfigured(git.push().setRemote(remote.url())
                    .setRefSpecs(new RefSpec(commit.name() + ":refs/heads/" + branch)).setTimeout(30)).call();
            for (PushResult result : results) {
                for (RemoteRefUpdate update : result.getRemoteUpdates()) {
                    if (update.getStatus() != RemoteRefUpdate.Status.OK
                            && update.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                        return false;
                    }
                }
            }
            return true;
        } catch (GitAPIException e) {
            throw new SourceUnavailableException("cannot push status to " + remote.url() + ": " + e.getMessage(), e);
        }
    }

    private org.eclipse.jgit.api.PushCommand accessConfigured(org.eclipse.jgit.api.PushCommand push)
            throws SourceUnavailableException {
        try {
            return access.configure(push);
        } catch (IOException e) {
            throw new SourceUnavailableException("cannot read Git credentials: " + e.getMessage(), e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
