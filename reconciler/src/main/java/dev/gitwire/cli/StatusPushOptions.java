package dev.gitwire.cli;

import dev.gitwire.git.GitAccess;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the status branch is pushed, and with which credential, when not the intent's: for `run` and `writer`. */
final class StatusPushOptions {

    @Option(names = "--status-repo", description = "Git URL of the repo holding the status branch (default: the intent repo)")
    String statusRepo;

    @Option(names = "--status-git-token-file",
            description = "Token that pushes the status branch, when not the intent's (which then can be read-only)")
    Path statusGitTokenFile;

    @Option(names = "--status-git-ssh-key", description = "SSH key that pushes the status branch, when not the intent's")
    Path statusGitSshKey;

    /** The status repo: its own, else the intent's. */
    String repo(String intentRepo) {
        return statusRepo == null ? intentRepo : statusRepo;
    }

    /** The intent's access with the status credential where one is given. */
    GitAccess access(GitAccess intent) {
        return intent.withCredentials(Optional.ofNullable(statusGitTokenFile), Optional.ofNullable(statusGitSshKey));
    }
}
