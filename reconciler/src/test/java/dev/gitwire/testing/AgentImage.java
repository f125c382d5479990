package dev.gitwire.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The agent's image as `make image` (tools/image) leaves it in tools/podman's storage, run with exactly the
 * DaemonSet's security context: root with every capability dropped but NET_ADMIN, no privilege escalation,
 * a read-only root file system with its writable mounts where the DaemonSet has them, the runtime's default
 * seccomp profile, and the host network of the node's namespace.
 */
public final class AgentImage {

    private static final Path PROJECT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path PODMAN = PROJECT.resolve("tools/podman");

    private AgentImage() {}

    /** The release version this build carries, as the image's tag. */
    public static String version() {
        try (InputStream in = AgentImage.class.getResourceAsStream("/dev/gitwire/version.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String name() {
        return "localhost/gitwire:" + version();
    }

    /** Null when the image is there; otherwise why not, for the test to fail (CI) or skip with. */
    public static String missing() {
        if (!Files.isExecutable(PODMAN) || Shell.tryRun(List.of("sh", "-c", "command -v podman"), null).exitCode() != 0) {
            return "podman is not installed (make test installs it)";
        }
        if (Shell.tryRun(List.of(PODMAN.toString(), "image", "exists", name()), null).exitCode() != 0) {
            return "the image " + name() + " is not built: make image";
        }
        return null;
    }

    /** `podman run` of the image with {@code podmanOptions} besides the DaemonSet's context, then {@code args}. */
    public static List<String> run(List<String> podmanOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(PODMAN.toString(), "run", "--rm", "--user", "0:0",
                "--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "--security-opt", "no-new-privileges",
                "--security-opt", "seccomp=/usr/share/containers/seccomp.json", "--read-only"));
        command.addAll(podmanOptions);
        command.add(name());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * `gitwire node-setup` in the node's network namespace as the DaemonSet's init container runs it: privileged (the
     * only way a pod writes /proc/sys), for the few seconds it takes.
     */
    public static Shell.Result nodeSetup(Testbed.Node node) {
        return Shell.tryRun(List.of(PODMAN.toString(), "run", "--rm", "--privileged", "--network",
                "ns:/run/netns/" + node.host().namespace().name(), name(), "node-setup"), null);
    }

    /**
     * The options that make a container the agent of {@code node}: its network namespace as the host network,
     * /dev/net/tun, and the DaemonSet's volumes (its state, the WireGuard sockets in a host directory, /tmp as an
     * emptyDir).
     */
    public static List<String> asAgentOf(Testbed.Node node, Path sockets, Path emptyDir) {
        return List.of("--name", "gitwire-" + node.host().namespace().name(),
                "--network", "ns:/run/netns/" + node.host().namespace().name(), "--device", "/dev/net/tun",
                "-v", node.stateDir() + ":/var/lib/gitwire", "-v", sockets + ":/var/run/wireguard",
                "-v", emptyDir + ":/tmp");
    }

    /** Stops and removes a container of {@link #asAgentOf} if it is still there (its podman client may be gone). */
    static void remove(String container) {
        Shell.tryRun(List.of(PODMAN.toString(), "rm", "--force", "--time", "10", "--ignore", container), null);
    }
}
