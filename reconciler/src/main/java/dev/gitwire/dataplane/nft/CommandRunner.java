package dev.gitwire.dataplane.nft;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a tool gitwire drives (nft) in a network namespace, with input on stdin, and returns its output;
 * a failure carries the tool's own error text. A tool that has not finished by the deadline (30 s) is
 * killed and the run fails: output is read beside the wait, so the deadline holds whatever the tool does.
 */
public final class CommandRunner {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final NetworkNamespace namespace;
    private final Duration timeout;

    public CommandRunner(NetworkNamespace namespace) {
        this(namespace, TIMEOUT);
    }

    /** A runner whose commands are ended, and reported as failed, past {@code timeout}. */
    public CommandRunner(NetworkNamespace namespace, Duration timeout) {
        this.namespace = namespace;
        this.timeout = timeout;
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
        Process process;
        try {
            process = new ProcessBuilder(full).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        // input and both outputs move on threads of their own, so that the deadline holds whatever the tool does
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        Thread feeder = daemon(() -> {
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the tool ended without reading all of it: its exit status says why
            }
        });
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                        + timeout.toMillis() + " ms");
            }
            feeder.join(timeout.toMillis());
            return new Result(process.exitValue(), stdout.get(timeout.toMillis(), TimeUnit.MILLISECONDS),
                    stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + command.get(0) + ": " + e, e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> text = new CompletableFuture<>();
        daemon(() -> {
            try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(e);
            }
        });
        return text;
    }

    private static Thread daemon(Runnable body) {
        Thread thread = new Thread(body, "gitwire-command-io");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
