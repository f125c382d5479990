package dev.gitwire.git;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * gitwire's repositories read no Git configuration of the host: not /etc/gitconfig, ~/.gitconfig, nor JGit's own
 * file. One of them can name a remote after the intent's URL and give it another URL, or turn TLS verification
 * off, and so redirect or expose the fetch of the intent; where gitwire fetches from and how is said by its flags
 * alone. Nor does JGit then run {@code git} twice at every start to find the system file. Of JGit's own file only
 * what JGit measured of the file system is seen (else each process measures again, for seconds). Installed for
 * the whole process by {@link #install()}: each repository's own config (the cache gitwire writes) still applies.
 */
final class HermeticGitConfig extends SystemReader.Delegate {

    private static final String FILESYSTEM = "filesystem";

    private HermeticGitConfig(SystemReader delegate) {
        super(delegate);
    }

    /** Makes JGit's configuration hermetic for this process, from now on; does nothing when it already is. */
    static synchronized void install() {
        SystemReader current = SystemReader.getInstance();
        if (!(current instanceof HermeticGitConfig)) {
            SystemReader.setInstance(new HermeticGitConfig(current));
        }
    }

    /**
     * The base of every repository's configuration: nothing but the {@code filesystem} section of JGit's own file,
     * which JGit reads through it (without it, every process measures the file system again: 2.5 s per start).
     */
    @Override
    public FileBasedConfig openSystemConfig(Config jgitConfig, FS fs) {
        Config measured = new Config();
        if (jgitConfig != null) {
            for (String store : jgitConfig.getSubsections(FILESYSTEM)) {
                for (String name : jgitConfig.getNames(FILESYSTEM, store)) {
                    measured.setString(FILESYSTEM, store, name, jgitConfig.getString(FILESYSTEM, store, name));
                }
            }
        }
        return empty(measured, fs);
    }

    @Override
    public FileBasedConfig openUserConfig(Config parent, FS fs) {
        return empty(parent, fs);
    }

    /**
     * JGit's own file, where it keeps what it measured of each file system; on a home it cannot write (the agent's
     * container has a read-only root file system) nothing is kept, quietly: JGit measures again at the next start
     * instead of logging two errors at every start.
     */
    @Override
    public FileBasedConfig openJGitConfig(Config parent, FS fs) {
        File file = super.openJGitConfig(parent, fs).getFile();
        return new FileBasedConfig(parent, file, fs) {
            @Override
            public void save() throws IOException {
                if (writable(file.toPath().getParent())) {
                    super.save();
                }
            }
        };
    }

    private static boolean writable(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            return false;
        }
        return Files.isWritable(directory);
    }

    /** A configuration backed by no file: nothing to load or save, never outdated. */
    private static FileBasedConfig empty(Config parent, FS fs) {
        return new FileBasedConfig(parent, null, fs) {
            @Override
            public void load() {
                // no file: nothing of the host is read
            }

            @Override
            public void save() {
                // no file: nothing of the host is written
            }

            @Override
            public boolean isOutdated() {
                return false;
            }
        };
    }
}
