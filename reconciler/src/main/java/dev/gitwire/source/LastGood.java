package dev.gitwire.source;

import dev.gitwire.intent.IntentFiles;
import dev.gitwire.intent.IntentTree;
import dev.gitwire.statedir.StateFile;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The last intent that was valid and trusted, kept in the state dir (its revision and its intent files),
 * so that an agent restarted while Git is away, or while the head is bad, still applies it. Replaced by
 * writing a new copy beside it, flushed to disk, and renaming, so a crash leaves the old or the new one,
 * never half of one. A revision file that does not read (a disk that failed) counts as no last good intent,
 * and {@link #damage()} says so: the next good head, or the revision the status branch says this node
 * applied, replaces it, instead of every read failing on it.
 */
public final class LastGood {

    /** A remembered intent: its revision and a directory holding its files. */
    public record Saved(Revision revision, DirectoryTree tree) {}

    private static final Set<PosixFilePermission> FILE_MODE =
            PosixFilePermissions.fromString("rw-r-----");

    private final Path directory;
    private volatile Optional<String> damage = Optional.empty();

    public LastGood(Path stateDirectory) {
        this.directory = stateDirectory.resolve("last-good");
    }

    public Optional<Saved> load() throws IOException {
        Path current = Files.exists(directory) ? directory : directory.resolveSibling("last-good.old");
        Path revision = current.resolve("revision");
        if (!Files.exists(revision)) {
            damage = Optional.empty();
            return Optional.empty();
        }
        try {
            Saved saved = new Saved(Revision.parse(Files.readString(revision, StandardCharsets.US_ASCII).strip()),
                    new DirectoryTree(current.resolve("files")));
            damage = Optional.empty();
            return Optional.of(saved);
        } catch (IllegalArgumentException | CharacterCodingException damaged) {
            damage = Optional.of(revision + " is damaged (" + (Files.size(revision) == 0 ? "empty" : damaged.getMessage())
                    + ")");
            return Optional.empty();
        }
    }

    /** Why the last load found no last good intent although one was saved: its revision file is damaged. */
    public Optional<String> damage() {
        return damage;
    }

    public void save(Revision revision, IntentTree tree) throws IOException {
        Files.createDirectories(directory.getParent());
        Path fresh = directory.resolveSibling("last-good.new");
        ScratchDirectory.delete(fresh);
        Files.createDirectories(fresh.resolve("files"));
        for (String path : tree.files()) {
            if (IntentFiles.isIntent(path)) {
                Path target = fresh.resolve("files").resolve(path);
                Files.createDirectories(target.getParent());
                StateFile.replace(target, tree.read(path), FILE_MODE);
            }
        }
        StateFile.replace(fresh.resolve("revision"), (revision + "\n").getBytes(StandardCharsets.US_ASCII), FILE_MODE);
        Path old = directory.resolveSibling("last-good.old");
        ScratchDirectory.delete(old);
        if (Files.exists(directory)) {
            Files.move(directory, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
        StateFile.syncDirectory(directory.getParent());
        ScratchDirectory.delete(old);
    }
}
