package dev.gitwire.intent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** Which files of a tree are the intent, and the digest that names a directory's revision. */
public final class IntentFiles {

    public static final String MESH_FILE = "mesh.yaml";
    private static final Pattern NODE_FILE = Pattern.compile("nodes/[^/]+\\.yaml");

    private IntentFiles() {}

    public static boolean isNodeFile(String path) {
        return NODE_FILE.matcher(path).matches();
    }

    public static boolean isIntent(String path) {
        return path.equals(MESH_FILE) || isNodeFile(path);
    }

    /** SHA-256 over the intent files' paths and contents, in path order: same files, same revision. */
    public static String digest(IntentTree tree) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> files = tree.files().stream().filter(IntentFiles::isIntent).sorted().toList();
        for (String file : files) {
            sha.update(file.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] content = tree.read(file);
            sha.update(Long.toString(content.length).getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) 0);
            sha.update(content);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
