package dev.gitwire.dataplane;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a tool gitwire drives (nft) in a network namespace, with input on stdin, and returns its output;
 * a failure carries the tool's own error text.
 */
public final class CommandRunner {

    private static final long TIMEOUT_SECONDS = 30;

    private final NetworkNamespace namespace;

    public CommandRunner(NetworkNamespace namespace) {
        this.namespace = namespace;
    }

    /** The outcome of a command: exit code and what it printed (stdout, then stderr). */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public Result run(List<String> command, String input) {
        List<String> full = new ArrayList<>();
        namespace.name().ifPresent(name -> full.addAll(List.of("ip", "netns", "exec", name)));
        full.addAll(command);
        try {
            Process process = new ProcessBuilder(full).start();
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            // stderr is small; read stdout fully first, then stderr
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), stdout, stderr);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }
}
