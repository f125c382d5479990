package dev.gitwire.source;

import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * gitwire's Git reads no configuration of the host: not /etc/gitconfig, ~/.gitconfig nor JGit's own file. One of
 * them can name a remote after the intent's URL and give it another URL, or turn TLS verification off, and so
 * redirect or expose the fetch of the intent; where gitwire fetches from and how is said by its flags alone.
 * Nor does JGit then run {@code git} twice at every start to find the system file. Installed for the whole
 * process by {@link #install()}: each repository's own config (the cache gitwire writes) still applies.
 */
final class HermeticGitConfig extends SystemReader.Delegate {

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

    @Override
    public FileBasedConfig openSystemConfig(Config parent, FS fs) {
        return empty(parent, fs);
    }

    @Override
    public FileBasedConfig openUserConfig(Config parent, FS fs) {
        return empty(parent, fs);
    }

    @Override
    public FileBasedConfig openJGitConfig(Config parent, FS fs) {
        return empty(parent, fs);
    }

    /** A configuration backed by no file: nothing to load, never outdated. */
    private static FileBasedConfig empty(Config parent, FS fs) {
        return new FileBasedConfig(parent, null, fs) {
            @Override
            public void load() {
                // no file: nothing of the host is read
            }

            @Override
            public boolean isOutdated() {
                return false;
            }
        };
    }
}
