package dev.gitwire.intent;

import java.io.IOException;
import java.util.List;

/**
 * The files of one revision of an intent repo, wherever they come from (a directory now, a Git tree
 * later). Paths are relative, with '/' separators.
 */
public interface IntentTree {

    /** Every regular file of the tree; symbolic links and the .git folder are not files of the intent. */
    List<String> files() throws IOException;

    long size(String path) throws IOException;

    byte[] read(String path) throws IOException;
}
