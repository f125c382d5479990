package dev.gitwire.statedir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file of the agent's state directory written so that a crash or a power cut leaves the old content or
 * the new, never an empty or half file: a temporary file beside it, with its final mode from the start,
 * flushed to disk, renamed over the target, and the directory flushed so that the rename itself survives.
 */
public final class StateFile {

    private StateFile() {}

    /** Writes {@code content} to {@code target}, replacing it. */
    public static void replace(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path temporary = write(target, content, mode);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * Writes {@code content} to {@code target} only if there is no such file: false when another process
     * made it first (its content is then the one to use).
     */
    public static boolean create(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path temporary = write(target, content, mode);
        try {
            Files.createLink(target, temporary); // a hard link fails if the target exists: no overwrite race
            return true;
        } catch (FileAlreadyExistsException raced) {
            return false;
        } finally {
            Files.deleteIfExists(temporary);
            syncDirectory(target.toAbsolutePath().getParent());
        }
    }

    /** Flushes a directory's entries (a rename into it, a file removed) to disk. */
    public static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static Path write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(mode));
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        return temporary;
    }
}
