package dev.gitwire.testing;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A fresh network namespace for one test, with lo up; removed, with all it holds, on close. */
public final class TestNamespace implements AutoCloseable {

    private final String name;

    public TestNamespace() {
        this.name = "gwt-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        Shell.run("ip", "netns", "add", name);
        ip("link", "set", "lo", "up");
    }

    public String name() {
        return name;
    }

    public NetworkNamespace namespace() {
        return NetworkNamespace.named(name);
    }

    /** {@code ip -n NAME args...}: the independent observer and set-up tool. */
    public String ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return Shell.run(command, null);
    }

    /** A veth pair NAME and NAMEp, both up: a pod interface (azv1) as routes and the guard see one. */
    public void veth(String name) {
        ip("link", "add", name, "type", "veth", "peer", "name", name + "p");
        ip("link", "set", name, "up");
        ip("link", "set", name + "p", "up");
    }

    /** Runs a command inside the namespace. */
    public String exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return Shell.run(full, null);
    }

    /** Ends every process still in the namespace (a daemonised wireguard-go would keep it alive), then removes it. */
    @Override
    public void close() {
        String pids = Shell.tryRun(List.of("ip", "netns", "pids", name), null).output().strip();
        if (!pids.isEmpty()) {
            List<String> kill = new ArrayList<>(List.of("kill", "-KILL"));
            kill.addAll(List.of(pids.split("\\s+")));
            Shell.tryRun(kill, null);
        }
        Shell.tryRun(List.of("ip", "netns", "del", name), null);
    }
}
