package dev.gitwire.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real `git daemon` on loopback serving bare repositories, with pushes enabled; it can stop and come back. */
public final class GitServer implements AutoCloseable {

    private final Path base;
    private int port;
    private final List<String> prefix;
    private final String address;
    private Process daemon;

    /** A server on loopback. */
    public GitServer(Path base) throws IOException {
        this(base, List.of(), "127.0.0.1");
    }

    /** A server run with {@code prefix} (such as ip netns exec) listening on {@code address}. */
    public GitServer(Path base, List<String> prefix, String address) throws IOException {
        this.base = Files.createDirectories(base);
        this.prefix = List.copyOf(prefix);
        this.address = address;
        // a free port, probed then closed, can be taken by another test's connection before the daemon binds it:
        // then the daemon exits at once, and another port is tried
        for (int attempt = 1; ; attempt++) {
            this.port = FreePort.any();
            try {
                start();
                return;
            } catch (IOException e) {
                if (attempt == 5 || daemon.isAlive()) {
                    throw e;
                }
            }
        }
    }

    /** Creates an empty bare repository {@code name}.git; returns its git:// URL. */
    public String create(String name) {
        Shell.run("git", "init", "-q", "--bare", "-b", "main", base.resolve(name + ".git").toString());
        return url(name);
    }

    public String url(String name) {
        return "git://" + address + ":" + port + "/" + name + ".git";
    }

    public Path path(String name) {
        return base.resolve(name + ".git");
    }

    public void start() throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                "--base-path=" + base, "--listen=" + address, "--port=" + port, "--max-connections=0", base.toString()));
        daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (listening()) {
                return;
            }
            if (!daemon.isAlive()) {
                throw new IOException("git daemon exited (" + daemon.exitValue() + ") instead of listening on "
                        + address + ":" + port);
            }
            sleep();
        }
        throw new IOException("git daemon did not listen on " + address + ":" + port);
    }

    /** Connects from where the server runs: its own namespace when it has one. */
    private boolean listening() {
        if (!prefix.isEmpty()) {
            List<String> probe = new ArrayList<>(prefix);
            probe.addAll(List.of("bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port));
            return Shell.tryRun(probe, null).exitCode() == 0;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    public void stop() {
        List<ProcessHandle> children = daemon.descendants().toList();
        daemon.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            daemon.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
