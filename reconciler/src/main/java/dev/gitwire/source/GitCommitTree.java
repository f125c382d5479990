package dev.gitwire.source;

import dev.gitwire.intent.IntentTree;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The files of one commit, read straight from its tree: there is no work tree, so nothing can be left
 * half-checked-out. Only regular files count; symbolic links and submodules are not intent.
 */
public final class GitCommitTree implements IntentTree {

    private final Repository repository;
    private final Map<String, ObjectId> blobs = new LinkedHashMap<>();

    public GitCommitTree(Repository repository, RevCommit commit) throws IOException {
        this.repository = repository;
        try (TreeWalk walk = new TreeWalk(repository)) {
            walk.addTree(commit.getTree());
            walk.setRecursive(true);
            while (walk.next()) {
                FileMode mode = walk.getFileMode(0);
                if (mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE) {
                    blobs.put(walk.getPathString(), walk.getObjectId(0));
                }
            }
        }
    }

    /** The files of commit {@code id}. */
    public static GitCommitTree of(Repository repository, ObjectId id) throws IOException {
        try (RevWalk walk = new RevWalk(repository)) {
            return new GitCommitTree(repository, walk.parseCommit(id));
        }
    }

    @Override
    public List<String> files() {
        return new ArrayList<>(blobs.keySet());
    }

    @Override
    public long size(String path) throws IOException {
        try (ObjectReader reader = repository.newObjectReader()) {
            return reader.getObjectSize(blob(path), Constants.OBJ_BLOB);
        }
    }

    @Override
    public byte[] read(String path) throws IOException {
        try (ObjectReader reader = repository.newObjectReader()) {
            return reader.open(blob(path)).getBytes();
        }
    }

    private ObjectId blob(String path) throws IOException {
        ObjectId id = blobs.get(path);
        if (id == null) {
            throw new IOException(path + " is not a file of the commit");
        }
        return id;
    }
}
