package dev.gitwire.cli;

import dev.gitwire.agent.AgentLog;
import dev.gitwire.agent.AgentLoop;
import dev.gitwire.agent.NodeAgent;
import dev.gitwire.agent.NodeSettings;
import dev.gitwire.agent.WebhookSecret;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gitwire run}: the node agent, reconciling until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:stopped by SIGTERM or SIGINT",
                "1:could not start (a damaged key file, an unreadable flag file)",
                "2:usage error",
                "70:an internal error ended a thread the agent cannot run without (the kubelet restarts the pod)"},
        description = "Run the node agent: keep the kernel matching the intent until stopped (SIGTERM).")
final class RunCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Option(names = "--interval", defaultValue = "30s",
            description = "How often to poll Git and resync, as a duration such as 30s or 5m (default 30s)")
    String interval;

    @Option(names = "--dead-peer-after", defaultValue = "180s",
            description = "How long a routed peer may send nothing back, its last handshake older than this, before the"
                    + " agent re-initiates the handshake, then recreates the peer, then reports it PeerUnreachable;"
                    + " what is sent to it is dropped meanwhile, never sent in plaintext (default 180s: WireGuard's"
                    + " session lifetime)")
    String deadPeerAfter;

    @Option(names = "--psk-renewal", defaultValue = "4m", description = "With spec.wireguard.postQuantum: how often each"
            + " pair agrees on a new pre-shared key (default 4m: every second WireGuard rekey, each right after a"
            + " handshake; below 2m a renewal no longer waits for one, which only tests want)")
    String pskRenewal;

    @Option(names = "--http-address", defaultValue = "127.0.0.1:9824",
            description = "Where /healthz, /readyz, /metrics and POST /reconcile are served")
    String httpAddress;

    @Option(names = "--allow-unsigned", defaultValue = "false",
            description = "Run on an intent whose commits are not verified; said at every start. Without it, run needs"
                    + " --verify-signatures")
    boolean allowUnsigned;

    @Option(names = "--pod-name", description = "The agent's own pod (the DaemonSet sets it from metadata.name): at"
            + " SIGTERM the agent asks whether its DaemonSet is being removed, and then leaves the node as it found it")
    String podName;

    @Option(names = "--peer-metrics", defaultValue = "true", arity = "1", description = "Serve the per-peer series"
            + " (handshake age, bytes: nodes squared over a cluster); false for large clusters keeps the aggregates"
            + " (default: ${DEFAULT-VALUE})")
    boolean peerMetrics;

    @Option(names = "--metrics-address",
            description = "HOST:PORT that serves /metrics alone, for Prometheus (the node's address under hostNetwork)")
    String metricsAddress;

    @Option(names = "--webhook-secret-file",
            description = "The Git host's webhook secret: POST /reconcile then needs its X-Hub-Signature-256 or"
                    + " X-Gitlab-Token; required when --http-address is not a loopback address")
    Path webhookSecretFile;

    @Option(names = "--log-format", defaultValue = "plain", description = "plain or json")
    LogFormat logFormat;

    enum LogFormat { plain, json }

    @Option(names = "--log-level", defaultValue = "info",
            description = "debug, info, warn or error (default info); the libraries' logs too")
    AgentLog.Level logLevel;

    /** HOST:PORT, the port a number from 0 to 65535; anything else is a usage error. */
    static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        try {
            int port = colon < 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(text.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new GitwireCommand.UsageException("an address is HOST:PORT with a port of 0 to 65535, not " + text);
        }
    }

    /** The exit status of a bug the agent cannot survive: sysexits' EX_SOFTWARE. */
    static final int EXIT_BUG = 70;

    @Override
    public Integer call() throws Exception {
        Duration every = parseDuration(interval);
        // a thread that dies is a bug: exit at once so that the kubelet restarts the agent; the dataplane stays
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            System.err.println("gitwire: bug: thread " + thread.getName() + " died: " + error);
            error.printStackTrace();
            Runtime.getRuntime().halt(EXIT_BUG);
        });
        InetSocketAddress address = parseAddress(httpAddress);
        AgentLog log = new AgentLog(System.err, logFormat == LogFormat.json, Clock.systemUTC(), logLevel);
        log.captureLibraries(); // JGit, SSHD and fabric8 log through java.util.logging: one format, one stream
        Duration renewal = parseDuration(pskRenewal);
        if (renewal.compareTo(Duration.ofMillis(100)) < 0) {
            throw new GitwireCommand.UsageException("--psk-renewal must be at least 100ms: every renewal is an"
                    + " exchange between two nodes");
        }
        NodeSettings settings = options.settings(every.plus(CommonOptions.READ_SPREAD),
                new NodeSettings.PeerTimers(parseDuration(deadPeerAfter), renewal));
        if (!settings.trust().verifiesSignatures() && !allowUnsigned) {
            throw new GitwireCommand.UsageException("the agent applies only signed intent: give --verify-signatures with"
                    + " --trusted-keys or --allowed-signers, or --allow-unsigned to apply any commit of " + settings.repo());
        }
        settings.trustWarnings().forEach(warning -> log.warn("trust", warning));
        NodeAgent agent;
        try {
            agent = NodeAgent.onThisNode(settings);
        } catch (IllegalArgumentException e) {
            throw new GitwireCommand.UsageException(e.getMessage());
        }
        Optional<WebhookSecret> webhook;
        try {
            webhook = webhookSecretFile == null ? Optional.empty() : Optional.of(WebhookSecret.read(webhookSecretFile));
        } catch (IOException e) {
            agent.close();
            throw new GitwireCommand.UsageException("--webhook-secret-file: " + e.getMessage());
        }
        if (podName != null) {
            agent.ownedBy(podName);
        }
        AgentLoop loop = new AgentLoop(agent, every, address, log, Clock.systemUTC(), webhook, peerMetrics);
        if (metricsAddress != null) {
            loop.serveMetrics(parseAddress(metricsAddress));
        }
        untilTerminated(loop::run, loop::close, () -> {
            if (podName != null) {
                // on a thread of its own: the shutdown hook interrupts this one, which would fail the API's answer
                Thread leaving = new Thread(() -> agent.leaveIfRemoved(podName).ifPresent(m -> log.warn("uninstall", m)),
                        "gitwire-uninstall");
                leaving.start();
                joinUninterruptibly(leaving);
            }
            agent.close();
        });
        return GitwireCommand.EXIT_OK;
    }

    /** What runs until SIGTERM. */
    interface Running {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code running} until it ends or SIGTERM: the shutdown hook calls {@code stop}, interrupts it, and waits
     * for {@code cleanUp} (a Lease released, the agent's sockets closed) before the JVM exits.
     */
    static void untilTerminated(Running running, Runnable stop, Runnable cleanUp) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            main.interrupt();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "gitwire-shutdown"));
        try {
            running.run();
        } catch (InterruptedException e) {
            // SIGTERM: the shutdown hook stopped it
        } finally {
            cleanUp.run();
            stopped.countDown();
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static Duration parseDuration(String text) {
        if (!text.matches("[0-9]+(ms|s|m|h)")) {
            throw new GitwireCommand.UsageException("not a duration: " + text + " (write 30s, 5m, 500ms)");
        }
        long amount = Long.parseLong(text.replaceAll("[a-z]+$", ""));
        return switch (text.replaceAll("^[0-9]+", "")) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }
}
