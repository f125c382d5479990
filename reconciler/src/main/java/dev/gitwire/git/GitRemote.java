package dev.gitwire.git;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.FooterKey;
import org.eclipse.jgit.revwalk.FooterLine;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * One Git remote, mirrored into a bare cache under the state dir (one per URL), so that the last fetched
 * objects survive restarts and the remote being away. Fetches never touch a work tree: there is none.
 */
public final class GitRemote implements AutoCloseable {

    private final String url;
    private final Repository cache;
    private final GitAccess access;

    public GitRemote(String url, Path stateDirectory, GitAccess access) throws IOException {
        GitDaemonTransport.install();
        HermeticGitConfig.install();
        this.url = url;
        this.access = access;
        Path directory = stateDirectory.resolve("git").resolve(shortHash(url) + ".git");
        boolean fresh = !Files.exists(directory.resolve("HEAD"));
        Files.createDirectories(directory);
        this.cache = new FileRepositoryBuilder().setGitDir(directory.toFile()).setBare().build();
        if (fresh) {
            cache.create(true);
        }
        // JGit repacks after a fetch once packs pile up (gc.autoPackLimit): here in the fetch itself, not in
        // a thread that the next fetch would race, and the old packs go at once (only this agent reads them)
        cache.getConfig().setBoolean("gc", null, "autoDetach", false);
        cache.getConfig().setString("gc", null, "prunePackExpire", "now");
        cache.getConfig().save();
    }

    public String url() {
        return url;
    }

    public Repository repository() {
        return cache;
    }

    /**
     * Fetches branches into refs/remotes/origin/*, forcing: a rewound branch is fetched as it is, and the
     * trust check decides what to make of it. Empty when the remote does not have the branch.
     */
    public Optional<ObjectId> fetch(String branch) throws GitUnavailableException {
        return fetch(branch, false);
    }

    /**
     * Fetches only the tip commit of a branch and its files, not the history behind it: for a branch whose
     * history is never read (the status branch), a node that was away for a day does not download the
     * day's commits, nor hash every version of the README in between.
     */
    public Optional<ObjectId> fetchTip(String branch) throws GitUnavailableException {
        return fetch(branch, true);
    }

    private Optional<ObjectId> fetch(String branch, boolean tipOnly) throws GitUnavailableException {
        try (Git git = new Git(cache)) {
            FetchCommand fetch = git.fetch()
                    .setRemote(url)
                    .setRefSpecs(new RefSpec("+refs/heads/" + branch + ":" + trackingRef(branch)));
            if (tipOnly) {
                fetch.setDepth(1);
            }
            access.configure(fetch).call();
            return Optional.ofNullable(cache.resolve(trackingRef(branch)));
        } catch (TransportException e) {
            if (e.getMessage() != null && e.getMessage().contains("Remote does not have")) {
                return Optional.empty();
            }
            throw new GitUnavailableException("cannot fetch " + branch + " from " + url + ": "
                    + GitUnavailableException.reason(e), e);
        } catch (GitAPIException | IOException e) {
            throw new GitUnavailableException("cannot fetch " + branch + " from " + url + ": "
                    + GitUnavailableException.reason(e), e);
        }
    }

    /**
     * Records that the remote's branch now holds {@code commit}, made here and just pushed: the next fetch then
     * offers it as known and receives nothing, where it would otherwise receive the whole tree of the tip again.
     */
    public void pushed(String branch, ObjectId commit) throws IOException {
        RefUpdate update = cache.updateRef(trackingRef(branch));
        update.setNewObjectId(commit);
        update.setForceUpdate(true);
        RefUpdate.Result result = update.update();
        if (!EnumSet.of(RefUpdate.Result.NEW, RefUpdate.Result.FORCED, RefUpdate.Result.FAST_FORWARD,
                RefUpdate.Result.NO_CHANGE).contains(result)) {
            throw new IOException("cannot record " + commit.name() + " as " + trackingRef(branch) + ": " + result);
        }
    }

    /** A commit made in the cache: its id, and its files by path as blob ids. */
    public record Commit(ObjectId id, Map<String, ObjectId> files) {
        public Commit {
            files = Collections.unmodifiableMap(new TreeMap<>(files));
        }
    }

    /** A commit of a branch's history, as its readers need it: who wrote it, when it was committed, its trailers. */
    public record LoggedCommit(ObjectId id, String author, Instant committed, List<FooterLine> footer) {
        public LoggedCommit {
            footer = List.copyOf(footer);
        }

        /** The values of its message's trailers named {@code key} ({@code Node: node-a}), stripped. */
        public List<String> trailers(String key) {
            FooterKey named = new FooterKey(key);
            return footer.stream().filter(line -> line.matches(named)).map(line -> line.getValue().strip()).toList();
        }
    }

    /**
     * The history from {@code tip}, newest first, each commit given to {@code reader} until it answers false or
     * {@code max} were read.
     */
    public void log(ObjectId tip, int max, Predicate<LoggedCommit> reader) throws IOException {
        try (RevWalk walk = new RevWalk(cache)) {
            walk.markStart(walk.parseCommit(tip));
            int seen = 0;
            for (RevCommit commit : walk) {
                LoggedCommit logged = new LoggedCommit(commit.copy(), commit.getAuthorIdent().getName(),
                        commit.getCommitterIdent().getWhenAsInstant(), commit.getFooterLines());
                if (!reader.test(logged) || ++seen >= max) {
                    return;
                }
            }
        }
    }

    /** When commit {@code id} was committed. */
    public Instant committed(ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(cache)) {
            return walk.parseCommit(id).getCommitterIdent().getWhenAsInstant();
        }
    }

    /** The files of commit {@code tip}, by path, as blob ids. */
    public Map<String, ObjectId> files(ObjectId tip) throws IOException {
        Map<String, ObjectId> files = new TreeMap<>();
        try (RevWalk walk = new RevWalk(cache); TreeWalk tree = new TreeWalk(cache)) {
            tree.addTree(walk.parseCommit(tip).getTree());
            tree.setRecursive(true);
            while (tree.next()) {
                files.put(tree.getPathString(), tree.getObjectId(0));
            }
        }
        return files;
    }

    /**
     * Writes, in the cache and nowhere else, a commit of the {@code kept} files and the {@code written} contents over
     * {@code parent}, authored and committed by {@code author} ({@code author@nodes.gitwire.dev}).
     */
    public Commit commit(Map<String, ObjectId> kept, Map<String, byte[]> written, Optional<ObjectId> parent,
            String author, String message) throws IOException {
        try (ObjectInserter inserter = cache.newObjectInserter()) {
            Map<String, ObjectId> files = new TreeMap<>(kept);
            for (Map.Entry<String, byte[]> file : written.entrySet()) {
                files.put(file.getKey(), inserter.insert(Constants.OBJ_BLOB, file.getValue()));
            }
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            for (Map.Entry<String, ObjectId> file : files.entrySet()) {
                DirCacheEntry entry = new DirCacheEntry(file.getKey());
                entry.setFileMode(FileMode.REGULAR_FILE);
                entry.setObjectId(file.getValue());
                builder.add(entry);
            }
            builder.finish();
            CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(index.writeTree(inserter));
            parent.ifPresent(commit::setParentId);
            PersonIdent who = new PersonIdent(author, author + "@nodes.gitwire.dev");
            commit.setAuthor(who);
            commit.setCommitter(who);
            commit.setMessage(message + "\n");
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            return new Commit(id.copy(), files);
        }
    }

    /**
     * Pushes {@code commit} to {@code branch} without force, with {@code credentials} (a push may need others than a
     * fetch): false when the branch moved since it was fetched (a non-fast-forward), so that the caller rebuilds on
     * the new tip; any other refusal (a hook, a protected branch, missing rights) is thrown.
     */
    public boolean push(ObjectId commit, String branch, GitAccess credentials) throws GitUnavailableException {
        try (Git git = new Git(cache)) {
            for (PushResult result : credentials.configure(git.push().setRemote(url)
                    .setRefSpecs(new RefSpec(commit.name() + ":refs/heads/" + branch))).call()) {
                for (RemoteRefUpdate update : result.getRemoteUpdates()) {
                    if (update.getStatus() == RemoteRefUpdate.Status.OK
                            || update.getStatus() == RemoteRefUpdate.Status.UP_TO_DATE) {
                        continue;
                    }
                    if (update.getStatus() == RemoteRefUpdate.Status.REJECTED_NONFASTFORWARD
                            || update.getStatus() == RemoteRefUpdate.Status.REJECTED_REMOTE_CHANGED) {
                        return false;
                    }
                    // or a ref lock held by a push landing at the same moment, which the next fetch tells apart
                    throw new GitUnavailableException("the server refused the push to " + url + ": "
                            + update.getStatus() + (update.getMessage() == null ? "" : " (" + update.getMessage()
                            + ")"), null);
                }
            }
            return true;
        } catch (GitAPIException e) {
            throw new GitUnavailableException("cannot push to " + url + ": " + GitUnavailableException.reason(e), e);
        } catch (IOException e) {
            throw new GitUnavailableException("cannot read Git credentials: " + e.getMessage(), e);
        }
    }

    /** The commit last fetched for a branch, from the cache, without asking the remote. */
    public Optional<ObjectId> cached(String branch) throws IOException {
        return Optional.ofNullable(cache.resolve(trackingRef(branch)));
    }

    public static String trackingRef(String branch) {
        return "refs/remotes/origin/" + branch;
    }

    /** Whether a string names a Git remote rather than a local directory. */
    public static boolean isUrl(String repo) {
        if (repo.startsWith("/") || repo.startsWith(".")) {
            return false;
        }
        try {
            URIish uri = new URIish(repo);
            return uri.getScheme() != null || uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
