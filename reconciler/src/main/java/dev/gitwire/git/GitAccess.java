package dev.gitwire.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * How gitwire authenticates to Git: a token for https (read from a file, so it never sits in the process
 * arguments, and given to https servers only), with the operator's CA certificates trusted besides the
 * JDK's own; or an SSH key with a known-hosts file, where a host key that is unknown or changed is refused
 * (no trust on first use). file:// and git:// need none of them. Every connect and read of every transport
 * has a deadline, {@link #timeout()} (30 s unless set).
 */
public final class GitAccess {

    private final Optional<Path> tokenFile;
    private final Optional<Path> sshKey;
    private final Optional<Path> knownHosts;
    private final Optional<Path> caFile;
    private final Duration timeout;
    private final FetchBudget budget;
    private SshdSessionFactory sessions;
    private CaTrustingConnections connections;

    public GitAccess(Optional<Path> tokenFile, Optional<Path> sshKey, Optional<Path> knownHosts, Optional<Path> caFile) {
        this(tokenFile, sshKey, knownHosts, caFile, DEFAULT_TIMEOUT, FetchBudget.DEFAULT);
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private GitAccess(Optional<Path> tokenFile, Optional<Path> sshKey, Optional<Path> knownHosts, Optional<Path> caFile,
            Duration timeout, FetchBudget budget) {
        if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--git-timeout is at least 1s, not " + timeout.toMillis() + "ms");
        }
        this.timeout = timeout;
        this.budget = budget;
        if (sshKey.isPresent() != knownHosts.isPresent()) {
            throw new IllegalArgumentException("--git-ssh-key and --git-known-hosts go together");
        }
        this.tokenFile = tokenFile;
        this.sshKey = sshKey;
        this.knownHosts = knownHosts;
        this.caFile = caFile;
    }

    public static GitAccess anonymous() {
        return new GitAccess(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The same access with another deadline for each connect and read. */
    public GitAccess withTimeout(Duration deadline) {
        return new GitAccess(tokenFile, sshKey, knownHosts, caFile, deadline, budget);
    }

    /** The same access with another bound on what one fetch may read, and for how long. */
    public GitAccess withFetchBudget(FetchBudget other) {
        return new GitAccess(tokenFile, sshKey, knownHosts, caFile, timeout, other);
    }

    public Duration timeout() {
        return timeout;
    }

    /** The same access (host keys, CAs, deadline) with other credentials where given: a status branch's own. */
    public GitAccess withCredentials(Optional<Path> otherToken, Optional<Path> otherSshKey) {
        return new GitAccess(otherToken.or(() -> tokenFile), otherSshKey.or(() -> sshKey), knownHosts, caFile, timeout,
                budget);
    }

    /** Whether both present the same token and SSH key: whatever one may push to, the other may too. */
    public boolean sameCredentialsAs(GitAccess other) {
        return tokenFile.equals(other.tokenFile) && sshKey.equals(other.sshKey);
    }

    public <C extends TransportCommand<C, ?>> C configure(C command) throws IOException {
        command.setTimeout((int) timeout.toSeconds());
        if (tokenFile.isPresent()) {
            String token = Files.readString(tokenFile.get(), StandardCharsets.UTF_8).strip();
            command.setCredentialsProvider(new UsernamePasswordCredentialsProvider("gitwire", token) {
                @Override
                public boolean get(URIish uri, CredentialItem... items) {
                    return "https".equals(uri.getScheme()) && super.get(uri, items); // never in plain text
                }
            });
        }
        Optional<SshdSessionFactory> ssh = sshKey.isPresent() ? Optional.of(sessions()) : Optional.empty();
        Optional<CaTrustingConnections> https = caFile.isPresent() ? Optional.of(connections()) : Optional.empty();
        FetchBudget.Spending spending = budget.start(); // one command, one budget, whatever connections it opens
        command.setTransportConfigCallback(transport -> {
            if (transport instanceof SshTransport sshTransport) {
                boundGreetingWait(); // the user's own SSH set-up (no --git-ssh-key) too: it waited two minutes
                sshTransport.setSshSessionFactory(new BoundedSshSessions(spending,
                        ssh.map(SshSessionFactory.class::cast).orElseGet(SshSessionFactory::getInstance)));
            } else if (transport instanceof TransportHttp httpTransport) {
                httpTransport.setHttpConnectionFactory(new BoundedConnections(spending,
                        https.map(JDKHttpConnectionFactory.class::cast).orElseGet(JDKHttpConnectionFactory::new)));
            } else if (transport instanceof GitDaemonTransport daemon) {
                daemon.spend(spending);
            }
        });
        return command;
    }

    private synchronized CaTrustingConnections connections() throws IOException {
        if (connections == null) {
            connections = CaTrustingConnections.load(caFile.get());
        }
        return connections;
    }

    /**
     * MINA sshd waits for the server's greeting and key exchange up to its authentication timeout, two
     * minutes by default, whatever JGit's timeout; it reads its properties from the system's with this
     * prefix, and gitwire's is the process's only SSH client.
     */
    private static final String SSHD_AUTH_TIMEOUT = "org.apache.sshd.config.auth-timeout";

    private void boundGreetingWait() {
        System.setProperty(SSHD_AUTH_TIMEOUT, Long.toString(timeout.toMillis()));
    }

    private synchronized SshdSessionFactory sessions() {
        if (sessions == null) {
            Path home = sshKey.get().toAbsolutePath().getParent();
            sessions = new SshdSessionFactoryBuilder()
                    .setHomeDirectory(home.toFile())
                    .setSshDirectory(home.toFile())
                    .setDefaultIdentities(dir -> List.of(sshKey.get()))
                    .setDefaultKnownHostsFiles(dir -> List.of(knownHosts.get()))
                    // no ~/.ssh/config: its StrictHostKeyChecking could let an unknown host in
                    .setConfigFile(dir -> null)
                    .build(null);
        }
        return sessions;
    }
}
