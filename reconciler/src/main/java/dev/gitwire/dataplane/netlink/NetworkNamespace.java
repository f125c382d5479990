package dev.gitwire.dataplane.netlink;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * The network namespace a kernel object lives in: the agent's own, or a named one under
 * /var/run/netns (as `ip netns` makes them), entered with setns on a short-lived thread of its own,
 * so that no other thread of the JVM ever changes namespace.
 */
public final class NetworkNamespace {

    private static final NetworkNamespace CURRENT = new NetworkNamespace(null);

    private final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    public static NetworkNamespace current() {
        return CURRENT;
    }

    public static NetworkNamespace named(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a network namespace name: " + name);
        }
        return new NetworkNamespace(name);
    }

    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    public Path path() {
        return Path.of("/var/run/netns", name);
    }

    /**
     * Runs {@code work} inside this namespace: sockets it opens and /proc/sys/net files it opens belong
     * to the namespace for their whole life, whichever thread uses them later.
     */
    public <T> T enter(Supplier<T> work) {
        if (name == null) {
            return work.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                int fd = LibC.INSTANCE.open(path().toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
                if (fd < 0) {
                    throw new NetlinkException(LibC.errno(), "cannot open " + path());
                }
                try {
                    if (LibC.INSTANCE.setns(fd, LibC.CLONE_NEWNET) != 0) {
                        throw new NetlinkException(LibC.errno(), "cannot enter network namespace " + name);
                    }
                } finally {
                    LibC.INSTANCE.close(fd);
                }
                result.complete(work.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "netns-" + name);
        thread.setDaemon(true);
        thread.start(); // the thread ends with the work, taking its namespace with it
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while entering " + name, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NetworkNamespace ns && Objects.equals(name, ns.name);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(name);
    }

    @Override
    public String toString() {
        return name == null ? "current network namespace" : "network namespace " + name;
    }
}
