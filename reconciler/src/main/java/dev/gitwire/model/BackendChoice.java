package dev.gitwire.model;

/** Which WireGuard a node runs or would run, kernel or userspace, and why: said by plan, the log, metrics, status. */
public record BackendChoice(String name, String reason) {

    public static final String KERNEL = "kernel";
    public static final String USERSPACE = "userspace";

    @Override
    public String toString() {
        return name + " (" + reason + ")";
    }
}
