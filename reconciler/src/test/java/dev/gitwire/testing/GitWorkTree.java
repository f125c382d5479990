package dev.gitwire.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A clone that a test edits and pushes with the real git, as a user would: plain, GPG- or SSH-signed commits. */
public final class GitWorkTree {

    private final Path dir;
    private final Map<String, String> environment;

    public GitWorkTree(Path dir, String url, Map<String, String> environment) throws IOException {
        this.dir = dir;
        this.environment = environment;
        Files.createDirectories(dir);
        git("init", "-q", "-b", "main");
        git("remote", "add", "origin", url);
        git("config", "user.name", "Alice");
        git("config", "user.email", "alice@example.com");
    }

    public Path dir() {
        return dir;
    }

    /** Commits everything; {@code signing} adds -c options and -S (empty for an unsigned commit). */
    public String commit(String message, List<String> signing) {
        git("add", "-A");
        List<String> args = new ArrayList<>(signing);
        args.addAll(List.of("commit", "-q", "--allow-empty", "-m", message));
        if (!signing.isEmpty()) {
            args.add("-S");
        }
        git(args.toArray(String[]::new));
        return git("rev-parse", "HEAD").strip();
    }

    public void push(boolean force) {
        if (force) {
            git("push", "-q", "--force", "origin", "HEAD:refs/heads/main");
        } else {
            git("push", "-q", "origin", "HEAD:refs/heads/main");
        }
    }

    public String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
