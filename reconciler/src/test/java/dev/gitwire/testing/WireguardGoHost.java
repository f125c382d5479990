package dev.gitwire.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A host for userspace WireGuard in a test: a fresh network namespace plus a mount namespace with a
 * private tmpfs on /var/run/wireguard (wireguard-go's socket path is global), kept alive by a holder
 * process. Tools run inside with nsenter; the UAPI sockets are reached from outside through
 * /proc/HOLDER/root/run/wireguard (/var/run is a link to /run, resolved in the holder's mounts).
 */
public final class WireguardGoHost implements AutoCloseable {

    private final TestNamespace namespace;
    private final Process holder;
    private final List<Process> daemons = new ArrayList<>();

    public WireguardGoHost() {
        namespace = new TestNamespace();
        try {
            Files.createDirectories(Path.of("/var/run/wireguard"));
            holder = new ProcessBuilder("ip", "netns", "exec", namespace.name(), "unshare", "--mount",
                    "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs gitwire-test /var/run/wireguard && echo ready && exec sleep infinity")
                    .redirectErrorStream(true).start();
            String ready = new String(holder.getInputStream().readNBytes(6));
            if (!ready.equals("ready\n")) {
                throw new IllegalStateException("mount namespace holder did not start: " + ready);
            }
        } catch (IOException e) {
            namespace.close();
            throw new IllegalStateException(e);
        }
    }

    public TestNamespace namespace() {
        return namespace;
    }

    /** Where this host's wireguard-go sockets are, seen from the test's own mount namespace. */
    public Path socketDirectory() {
        return Path.of("/proc", Long.toString(holder.pid()), "root", "run", "wireguard");
    }

    /** Starts wireguard-go in the foreground for {@code interfaceName} and waits for its socket. */
    public void startWireguardGo(String interfaceName) {
        try {
            Process daemon = new ProcessBuilder(inside("wireguard-go", "-f", interfaceName))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            daemons.add(daemon);
            Path socket = socketDirectory().resolve(interfaceName + ".sock");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(socket)) {
                if (System.nanoTime() > deadline || !daemon.isAlive()) {
                    throw new IllegalStateException("wireguard-go did not create " + socket);
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command in this host's network and mount namespaces, such as {@code wg show}. */
    public String run(String... command) {
        return Shell.run(inside(command), null);
    }

    /** The command prefix that runs a program in this host's network and mount namespaces. */
    public List<String> inside() {
        return List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "-n");
    }

    private List<String> inside(String... command) {
        List<String> full = new ArrayList<>(inside());
        full.addAll(List.of(command));
        return full;
    }

    @Override
    public void close() {
        daemons.forEach(Process::destroy);
        for (Process daemon : daemons) {
            try {
                daemon.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        holder.destroyForcibly();
        namespace.close();
    }
}
