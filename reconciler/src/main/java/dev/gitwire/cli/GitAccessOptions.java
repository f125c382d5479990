package dev.gitwire.cli;

import dev.gitwire.git.FetchBudget;
import dev.gitwire.git.GitAccess;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How to reach a private Git repo: for the node commands and for `gitwire status`. */
final class GitAccessOptions {

    @Option(names = "--git-token-file", description = "File holding a token for https remotes")
    Path gitTokenFile;

    @Option(names = "--git-ssh-key", description = "SSH private key")
    Path gitSshKey;

    @Option(names = "--git-known-hosts",
            description = "known_hosts for SSH remotes; an unknown or changed host key is refused")
    Path gitKnownHosts;

    @Option(names = "--git-ca-file",
            description = "PEM CA certificates trusted for https remotes, besides the system's")
    Path gitCaFile;

    @Option(names = "--git-timeout", defaultValue = "30s",
            description = "Deadline of each connect and read of a Git server (default 30s)")
    String gitTimeout;

    @Option(names = "--git-max-fetch-bytes", defaultValue = "268435456",
            description = "Most bytes one fetch may read from a Git server (git://, https) before the commit is checked"
                    + " (default 256 MiB)")
    long gitMaxFetchBytes;

    @Option(names = "--git-fetch-deadline", defaultValue = "5m",
            description = "Longest one fetch (git://, https) may take in all, however the server paces it (default 5m)")
    String gitFetchDeadline;

    GitAccess access() {
        try {
            return new GitAccess(Optional.ofNullable(gitTokenFile), Optional.ofNullable(gitSshKey),
                    Optional.ofNullable(gitKnownHosts), Optional.ofNullable(gitCaFile))
                    .withTimeout(RunCommand.parseDuration(gitTimeout))
                    .withFetchBudget(new FetchBudget(gitMaxFetchBytes, RunCommand.parseDuration(gitFetchDeadline)));
        } catch (IllegalArgumentException e) {
            throw new GitwireCommand.UsageException(e.getMessage());
        }
    }
}
