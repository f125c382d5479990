package dev.gitwire.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * An SSH server on loopback (Apache MINA SSHD) that runs Git's own `git upload-pack` and `git
 * receive-pack` for the repositories under its base, for one client key. Its host key is made fresh;
 * {@link #knownHostsLine()} is the line a known_hosts file needs to trust it.
 */
public final class GitSshServer implements AutoCloseable {

    /** MINA logs every session at INFO; kept referenced, since java.util.logging holds loggers weakly. */
    private static final Logger QUIET = quiet();
    private static final Pattern GIT_COMMAND = Pattern.compile("git[- ](upload-pack|receive-pack) '?(/[^']+?)'?");

    private final Path base;
    private final KeyPair hostKey;
    private final SshServer server;

    /** Accepts the key of {@code clientPublicKey}, a line of an OpenSSH .pub file. */
    public GitSshServer(Path base, String clientPublicKey) throws Exception {
        this.base = Files.createDirectories(base);
        this.hostKey = newKey();
        PublicKey client = PublicKeyEntry.parsePublicKeyEntry(clientPublicKey.strip()).resolvePublicKey(null,
                Map.of(), null);
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(client, key));
        server.setCommandFactory((channel, command) -> new GitCommand(command));
        server.start();
    }

    private static Logger quiet() {
        Logger logger = Logger.getLogger("org.apache.sshd");
        logger.setLevel(Level.WARNING);
        return logger;
    }

    /** A fresh ECDSA P-256 key pair (a host key for another server, say). */
    public static KeyPair newKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    public String create(String name) {
        Shell.run("git", "init", "-q", "--bare", "-b", "main", base.resolve(name + ".git").toString());
        return "ssh://git@127.0.0.1:" + server.getPort() + "/" + name + ".git";
    }

    public Path path(String name) {
        return base.resolve(name + ".git");
    }

    public String knownHostsLine() {
        return knownHostsLine(hostKey.getPublic());
    }

    /** The known_hosts line that names this server with {@code key}. */
    public String knownHostsLine(PublicKey key) {
        return "[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(key) + "\n";
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    /** One `git upload-pack` or `git receive-pack`, its streams tied to the SSH channel's. */
    private final class GitCommand implements Command {

        private final String command;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private Process process;

        GitCommand(String command) {
            this.command = command;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            Matcher git = GIT_COMMAND.matcher(command);
            if (!git.matches()) {
                err.write(("not a Git command: " + command + "\n").getBytes(StandardCharsets.UTF_8));
                err.flush();
                exit.onExit(1);
                return;
            }
            process = new ProcessBuilder(List.of("git", git.group(1), base.resolve(git.group(2).substring(1)).toString()))
                    .start();
            Thread toGit = pump(in, process.getOutputStream(), true);
            Thread fromGit = pump(process.getInputStream(), out, false);
            Thread errors = pump(process.getErrorStream(), err, false);
            Thread waiter = new Thread(() -> {
                try {
                    int code = process.waitFor();
                    fromGit.join();
                    errors.join();
                    toGit.interrupt();
                    exit.onExit(code);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ssh-git-exit");
            waiter.setDaemon(true);
            waiter.start();
        }

        private Thread pump(InputStream from, OutputStream to, boolean closeAfter) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    for (int n; (n = from.read(buffer)) >= 0; ) {
                        to.write(buffer, 0, n);
                        to.flush();
                    }
                } catch (IOException ended) {
                    // the other side went away
                } finally {
                    if (closeAfter) {
                        try {
                            to.close();
                        } catch (IOException ignored) {
                            // already closed
                        }
                    }
                }
            }, "ssh-git-pump");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        @Override
        public void destroy(ChannelSession channel) {
            if (process != null) {
                process.destroy();
            }
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }
    }
}
