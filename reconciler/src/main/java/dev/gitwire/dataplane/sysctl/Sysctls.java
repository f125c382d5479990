package dev.gitwire.dataplane.sysctl;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Kernel parameters under /proc/sys, read and written in one network namespace (files under
 * /proc/sys/net belong to the namespace of the thread that opens them). Names are dotted, as sysctl(8)
 * writes them: {@code net.ipv4.conf.all.src_valid_mark}.
 */
public final class Sysctls {

    private static final Pattern NAME = Pattern.compile("[a-z0-9_]+(\\.[a-zA-Z0-9_.-]+)+");

    private final NetworkNamespace namespace;

    public Sysctls(NetworkNamespace namespace) {
        this.namespace = namespace;
    }

    public String read(String name) {
        Path path = path(name);
        return namespace.enter(() -> {
            try {
                return Files.readString(path, StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + name, e);
            }
        });
    }

    public void write(String name, String value) {
        Path path = path(name);
        namespace.enter(() -> {
            try {
                Files.writeString(path, value + "\n", StandardCharsets.US_ASCII);
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + name, e);
            }
        });
    }

    /** Whether this process may write the parameter: not when /proc/sys is mounted read-only, as in an unprivileged pod. */
    public boolean writable(String name) {
        Path path = path(name);
        return namespace.enter(() -> Files.isWritable(path));
    }

    /** Interface names may hold dots (wireguard.cali): only the known prefix is split on dots. */
    static Path path(String name) {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("not a sysctl name: " + name);
        }
        String[] parts = name.split("\\.", 4);
        if (parts.length == 4 && parts[0].equals("net") && (parts[2].equals("conf") || parts[2].equals("neigh"))) {
            // net.ipv4.conf.<interface>.<key>: the interface name keeps its dots
            int lastDot = parts[3].lastIndexOf('.');
            return Path.of("/proc/sys", parts[0], parts[1], parts[2], parts[3].substring(0, lastDot),
                    parts[3].substring(lastDot + 1));
        }
        return Path.of("/proc/sys", name.replace('.', '/'));
    }
}
