package dev.gitwire.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real `git daemon` on loopback serving bare repositories, with pushes enabled; it can stop and come back. */
public final class GitServer implements AutoCloseable {

    private final Path base;
    private final int port;
    private Process daemon;

    public GitServer(Path base) throws IOException {
        this.base = Files.createDirectories(base);
        try (ServerSocket probe = new ServerSocket(0)) {
            this.port = probe.getLocalPort();
        }
        start();
    }

    /** Creates an empty bare repository {@code name}.git; returns its git:// URL. */
    public String create(String name) {
        Shell.run("git", "init", "-q", "--bare", "-b", "main", base.resolve(name + ".git").toString());
        return url(name);
    }

    public String url(String name) {
        return "git://127.0.0.1:" + port + "/" + name + ".git";
    }

    public Path path(String name) {
        return base.resolve(name + ".git");
    }

    public void start() throws IOException {
        daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
                "--base-path=" + base, "--listen=127.0.0.1", "--port=" + port, "--max-connections=0", base.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        throw new IOException("git daemon did not listen on port " + port);
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
