package dev.gitwire.status;

import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;

/**
 * A node's status as the status branch holds it: the file gitwire writes for it and that file's blob id, made
 * once, so that a fold of 20,000 unchanged nodes compares ids instead of writing and hashing 20,000 files.
 */
public record StatusFile(NodeStatus status, String text, ObjectId blob) {

    public static StatusFile of(NodeStatus status) {
        String text = StatusCodec.write(status);
        return new StatusFile(status, text, blobId(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static ObjectId blobId(byte[] content) {
        try (ObjectInserter.Formatter hasher = new ObjectInserter.Formatter()) {
            return hasher.idFor(Constants.OBJ_BLOB, content);
        }
    }
}
